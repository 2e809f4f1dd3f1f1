package dev.herald.store;

import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatements;

/** The SQL that differs between the engines Herald runs on. */
public enum Dialect {
    SQLITE("BEGIN IMMEDIATE", "classpath:db/migration/sqlite", "SELECT value FROM json_each(%s)", ""),
    // On PostgreSQL the ids go through an array: the planner counts 10 of them (not the 100 it assumes for a
    // set-returning function), so a lookup by primary key stays an index lookup even while the table's
    // statistics are stale (a young or fast-growing table), where the plain form became a sequential scan.
    POSTGRESQL("BEGIN", "classpath:db/migration/postgresql", "SELECT unnest(ARRAY(SELECT jsonb_array_elements_text(CAST(%s AS jsonb))))",
            " FOR UPDATE SKIP LOCKED");

    /** The Jdbi attribute under which each {@link Database}'s Jdbi instances carry their dialect. */
    static final String ATTRIBUTE = "herald.dialect";

    private final String beginWrite;
    private final String migrations;
    private final String idsIn;
    private final String skipLocked;

    Dialect(String beginWrite, String migrations, String idsIn, String skipLocked) {
        this.beginWrite = beginWrite;
        this.migrations = migrations;
        this.idsIn = idsIn;
        this.skipLocked = skipLocked;
    }

    /** The dialect of the database a handle belongs to. */
    public static Dialect of(Handle h) {
        Object d = h.getConfig(SqlStatements.class).getAttribute(ATTRIBUTE);
        if (d instanceof Dialect dialect) return dialect;
        throw new IllegalStateException("handle not opened by a Herald Database");
    }

    /** Opens a write transaction. SQLite's IMMEDIATE takes the write lock up front so a batch never fails half-way on a lock upgrade. */
    public String beginWrite() {
        return beginWrite;
    }

    public String migrations() {
        return migrations;
    }

    /** A subquery yielding the elements of the JSON array of strings bound to {@code param}. */
    public String idsIn(String param) {
        return idsIn.formatted(param);
    }

    /**
     * Appended to a SELECT of rows this transaction is about to change: on PostgreSQL the rows are locked,
     * and rows another transaction holds are passed over rather than waited for. Empty on SQLite, whose
     * write transactions never overlap.
     */
    public String skipLocked() {
        return skipLocked;
    }
}
