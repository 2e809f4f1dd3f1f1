package dev.herald.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.herald.config.HeraldConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database: a pool of read connections, one {@link Writer} that group-commits every write, and
 * migrations run at open. Reads are bounded by a semaphore the size of the pool, so virtual threads
 * queue in Java rather than spinning inside the pool.
 *
 * <p>On SQLite one process owns the file. On PostgreSQL any number of processes share the database:
 * each has its own writer, claims of due work are serialized across processes ({@link #claim}),
 * and new work is announced to every process with {@code NOTIFY} ({@link #announceWork}).
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);
    /** The NOTIFY channel that tells workers on every node that work may be due now. */
    public static final String WORK_CHANNEL = "herald_work";

    private final Dialect dialect;
    private final HeraldConfig cfg;
    private final HikariDataSource readPool;
    private final HikariDataSource writePool;
    private final Jdbi reader;
    private final Writer writer;
    private final Semaphore readPermits;
    private final AtomicBoolean announcePending = new AtomicBoolean();
    /** Names this process in its work notifications (a random UUID: quoted into NOTIFY as it is). */
    private final String processId = java.util.UUID.randomUUID().toString();
    private volatile WorkListener listener;
    /** SQLite only: WAL checkpoints off the writer's thread. */
    private Checkpointer checkpointer;

    private Database(Dialect dialect, HeraldConfig cfg, HikariDataSource readPool, HikariDataSource writePool, String[] syncPragmas) {
        this.dialect = dialect;
        this.cfg = cfg;
        this.readPool = readPool;
        this.writePool = writePool;
        this.reader = jdbi(readPool, dialect);
        this.writer = new Writer(jdbi(writePool, dialect), dialect, syncPragmas);
        this.readPermits = new Semaphore(readPool.getMaximumPoolSize());
    }

    private static Jdbi jdbi(HikariDataSource ds, Dialect dialect) {
        Jdbi j = Jdbi.create(ds);
        j.define(Dialect.ATTRIBUTE, dialect);
        return j;
    }

    public static Database open(HeraldConfig cfg) {
        return cfg.isPostgres() ? openPostgres(cfg) : openSqlite(cfg);
    }

    private static Database openSqlite(HeraldConfig cfg) {
        String url = cfg.databaseUrl();
        Path file = Path.of(url.substring("jdbc:sqlite:".length()).replaceAll("\\?.*$", ""));
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new StoreException("cannot create database directory " + file.getParent(), e);
        }
        if (!Files.exists(file)) create(url, cfg.sqlitePageSize());
        HikariConfig writeConfig = sqlite(url, "herald-write", 1, cfg.sqliteSynchronous(), false);
        // Checkpoints run on a thread of their own (Checkpointer), not inside the writer's commits.
        writeConfig.setConnectionInitSql("PRAGMA wal_autocheckpoint = 0");
        HikariDataSource write = new HikariDataSource(writeConfig);
        try {
            migrate(Flyway.configure().dataSource(write), Dialect.SQLITE);
            HikariDataSource read = new HikariDataSource(sqlite(url, "herald-read", cfg.databasePoolSize(), cfg.sqliteSynchronous(), true));
            String sync = cfg.sqliteSynchronous();
            // Batches of only redoable work (claims, attempt records) commit at NORMAL; see Writer.submitRelaxed.
            String[] pragmas = sync.equals("FULL") || sync.equals("EXTRA") ? new String[] {sync, "NORMAL"} : null;
            Database db = new Database(Dialect.SQLITE, cfg, read, write, pragmas);
            db.checkpointer = new Checkpointer(url, sync);
            return db;
        } catch (RuntimeException e) {
            write.close();
            throw e;
        }
    }

    /**
     * Creates the database file with its page size, which SQLite fixes when the first page is written and
     * (in WAL mode) never changes afterwards; the pool's own open sets WAL first, too early for it.
     */
    private static void create(String url, int pageSize) {
        try (Connection c = java.sql.DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("PRAGMA page_size = " + pageSize);
            s.execute("PRAGMA journal_mode = WAL");
        } catch (SQLException e) {
            throw new StoreException("cannot create the database " + url + ": " + e.getMessage(), e);
        }
    }

    private static HikariConfig sqlite(String url, String name, int size, String synchronous, boolean readOnly) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setPoolName(name);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(1);
        hc.setAutoCommit(true);
        hc.setConnectionTimeout(10_000);
        hc.addDataSourceProperty("journal_mode", "WAL");
        hc.addDataSourceProperty("synchronous", synchronous);
        hc.addDataSourceProperty("busy_timeout", "10000");
        hc.addDataSourceProperty("foreign_keys", "true");
        // 16 MB of page cache for the writer; 2 MB for each reader, whose reads are point lookups served from
        // the OS's cache of the file (eight readers at 16 MB each were most of the process's memory with a long queue).
        hc.addDataSourceProperty("cache_size", readOnly ? "-2000" : "-16000");
        if (readOnly) hc.addDataSourceProperty("query_only", "true");
        return hc;
    }

    private static Database openPostgres(HeraldConfig cfg) {
        HikariDataSource write;
        try {
            write = new HikariDataSource(postgres(cfg, "herald-write", 1));
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to PostgreSQL at " + cfg.databaseUrlForLogs() + ": " + rootMessage(e), e);
        }
        HikariDataSource read = null;
        try {
            // Flyway wants two connections on PostgreSQL (one holds its lock): it opens its own, for the migration only.
            migrate(Flyway.configure().dataSource(cfg.databaseUrl(), cfg.databaseUser(), cfg.databasePassword()), Dialect.POSTGRESQL);
            read = new HikariDataSource(postgres(cfg, "herald-read", cfg.databasePoolSize()));
            return new Database(Dialect.POSTGRESQL, cfg, read, write, null);
        } catch (RuntimeException e) {
            if (read != null) read.close();
            write.close();
            throw e;
        }
    }

    private static HikariConfig postgres(HeraldConfig cfg, String name, int size) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(cfg.databaseUrl());
        if (cfg.databaseUser() != null) hc.setUsername(cfg.databaseUser());
        if (cfg.databasePassword() != null && !cfg.databasePassword().isEmpty()) hc.setPassword(cfg.databasePassword());
        hc.setPoolName(name);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(1);
        hc.setAutoCommit(true);
        // A request waits at most this long for a connection before it is answered 503.
        hc.setConnectionTimeout(5_000);
        hc.setKeepaliveTime(60_000);
        // Defaults for a server that may go away; the URL's own values win (pgjdbc reads URL parameters last).
        hc.addDataSourceProperty("connectTimeout", "5");
        hc.addDataSourceProperty("socketTimeout", "60");
        hc.addDataSourceProperty("tcpKeepAlive", "true");
        hc.addDataSourceProperty("ApplicationName", "herald");
        // Batched INSERTs (a message's deliveries, a batch's attempt rows) go as multi-row statements.
        hc.addDataSourceProperty("reWriteBatchedInserts", "true");
        return hc;
    }

    private static void migrate(org.flywaydb.core.api.configuration.FluentConfiguration flyway, Dialect dialect) {
        try {
            // On PostgreSQL Flyway holds an advisory lock while it migrates, so nodes starting together take turns.
            flyway.locations(dialect.migrations())
                    .loggers("slf4j")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new StoreException("database migration failed: " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) c = c.getCause();
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    public Dialect dialect() {
        return dialect;
    }

    /** The group-committing writer: every write goes through it. */
    public Writer writer() {
        return writer;
    }

    /** Runs a read on a pooled connection. */
    public <T> T read(HandleCallback<T, RuntimeException> callback) {
        acquire();
        try (Handle h = reader.open()) {
            return callback.withHandle(h);
        } catch (StoreException e) {
            throw e;
        } catch (org.jdbi.v3.core.ConnectionException e) {
            throw new StoreException("database unavailable: " + e.getMessage(), e);
        } catch (org.jdbi.v3.core.JdbiException e) {
            if (StoreException.isConnectionLoss(e)) throw new StoreException("database unavailable: " + e.getMessage(), e);
            throw e;
        } finally {
            readPermits.release();
        }
    }

    private void acquire() {
        try {
            readPermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a connection", e);
        }
    }

    /**
     * Runs the claim of due work. On SQLite in the writer, whose transactions exclude each other; on
     * PostgreSQL on a pooled connection in autocommit, where the claim is one call of the server-side
     * {@code herald_claim()} that serializes claims across nodes itself (migration V6), so the cluster-wide
     * claim lock is never held across a round trip to this process.
     */
    public <T> T claim(Writer.Job<T> job) {
        if (dialect == Dialect.SQLITE) return writer.executeRelaxed(job);
        acquire();
        try (Handle h = reader.open()) {
            return job.run(h);
        } catch (StoreException e) {
            throw e;
        } catch (Exception e) {
            throw new StoreException("cannot claim work: " + e.getMessage(), e);
        } finally {
            readPermits.release();
        }
    }

    /**
     * Tells the workers of every other node that work may be due now (PostgreSQL {@code NOTIFY}, sent
     * through the writer; calls made while one is queued are folded into it). Nothing on SQLite, where the
     * only worker is in this process and is woken directly.
     */
    public void announceWork() {
        if (dialect != Dialect.POSTGRESQL || !announcePending.compareAndSet(false, true)) return;
        writer.submitRelaxed(h -> {
            announcePending.set(false);
            try (Statement s = h.getConnection().createStatement()) {
                // The payload names this process, whose own listener then leaves it alone: the caller has woken
                // this process's worker already.
                s.execute("NOTIFY " + WORK_CHANNEL + ", '" + processId + "'");
            }
            return null;
        }).exceptionally(t -> {
            log.debug("could not announce new work: {}", t.getMessage());
            return null;
        });
    }

    /**
     * Calls {@code onWork} whenever any node announces work (PostgreSQL only; on SQLite the caller's own
     * wake-ups are the only ones). Holds one connection of its own, outside the pools, and reconnects
     * after the database comes back.
     */
    public synchronized void listenForWork(Runnable onWork) {
        if (dialect != Dialect.POSTGRESQL || listener != null) return;
        listener = new WorkListener(cfg, processId, onWork);
        listener.start();
    }

    /** True when a trivial query succeeds; used by /readyz. */
    public boolean ping() {
        try {
            return read(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Publishes both connection pools' meters (connections active, idle, pending, timeouts, acquire and
     * usage times; label {@code pool}: herald-read, herald-write) into {@code registry}. Once per pool.
     */
    public void publishPoolMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
        readPool.setMetricRegistry(registry);
        writePool.setMetricRegistry(registry);
    }

    @Override
    public void close() {
        WorkListener l = listener;
        if (l != null) l.close();
        writer.close();
        if (checkpointer != null) checkpointer.close();
        readPool.close();
        writePool.close();
    }
}
