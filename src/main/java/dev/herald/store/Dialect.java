package dev.herald.store;

/** The SQL that differs between the engines Herald runs on. */
public enum Dialect {
    SQLITE("BEGIN IMMEDIATE", "classpath:db/migration/sqlite"),
    POSTGRESQL("BEGIN", "classpath:db/migration/postgresql");

    private final String beginWrite;
    private final String migrations;

    Dialect(String beginWrite, String migrations) {
        this.beginWrite = beginWrite;
        this.migrations = migrations;
    }

    /** Opens a write transaction. SQLite's IMMEDIATE takes the write lock up front so a batch never fails half-way on a lock upgrade. */
    public String beginWrite() {
        return beginWrite;
    }

    public String migrations() {
        return migrations;
    }
}
