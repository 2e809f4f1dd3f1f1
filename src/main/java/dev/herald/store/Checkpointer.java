package dev.herald.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite's WAL checkpoints, off the writer's thread. SQLite would otherwise run one inside the commit that
 * takes the WAL past 1,000 pages, on the single writer, holding up every job queued behind it. Here a
 * connection of its own copies committed pages into the database file every {@link #PERIOD_MILLIS} ms
 * ({@code PASSIVE}: alongside the writer, never blocking it), and once the WAL is past
 * {@link #RESTART_PAGES} pages it runs a {@code RESTART} checkpoint, which waits for the writer between
 * commits, copies what little the passive ones left, and lets the next commit start the WAL over, so the
 * file does not grow without bound.
 *
 * <p>Durability is unchanged: a commit is durable once its WAL frames are synced, which the writer's
 * commit does at the configured {@code synchronous} level; a checkpoint syncs the database file before
 * the WAL is reused, at that same level on this connection.
 */
final class Checkpointer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);
    static final long PERIOD_MILLIS = 100;
    static final int RESTART_PAGES = 4_000;

    private final String url;
    private final String synchronous;
    private final Thread thread;
    private volatile boolean closed;

    Checkpointer(String url, String synchronous) {
        this.url = url;
        this.synchronous = synchronous;
        this.thread = Thread.ofPlatform().name("herald-checkpoint").daemon(true).start(this::loop);
    }

    private void loop() {
        Connection c = null;
        while (!closed) {
            try {
                if (c == null) c = open();
                try (Statement s = c.createStatement()) {
                    int log = checkpoint(s, "PASSIVE");
                    if (log > RESTART_PAGES) checkpoint(s, "RESTART");
                }
                TimeUnit.MILLISECONDS.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                if (closed) break;
            } catch (SQLException | RuntimeException e) {
                log.debug("checkpoint failed: {}", e.getMessage());
                close(c);
                c = null;
                try {
                    TimeUnit.SECONDS.sleep(1);
                } catch (InterruptedException ie) {
                    if (closed) break;
                }
            }
        }
        close(c);
    }

    /** Runs one checkpoint; returns the WAL's size in pages as it reports it. */
    private static int checkpoint(Statement s, String mode) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
            return rs.next() ? rs.getInt(2) : 0;
        }
    }

    private Connection open() throws SQLException {
        Connection c = DriverManager.getConnection(url);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 10000");
            s.execute("PRAGMA synchronous = " + synchronous);
        }
        return c;
    }

    private static void close(Connection c) {
        if (c == null) return;
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
