package dev.herald.support;

/** A PostgreSQL server started for this JVM when no other can be reached. */
final class EmbeddedPostgres {
    private EmbeddedPostgres() {}

    static TestDatabases.Server start() {
        throw new IllegalStateException("no embedded PostgreSQL in this build yet");
    }
}
