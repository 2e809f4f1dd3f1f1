package dev.herald.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.herald.config.HeraldConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;

/**
 * The database: a pool of read connections, one {@link Writer} that group-commits every write, and
 * migrations run at open. Reads are bounded by a semaphore the size of the pool, so virtual threads
 * queue in Java rather than spinning inside the pool.
 */
public final class Database implements AutoCloseable {
    private final Dialect dialect;
    private final HikariDataSource readPool;
    private final HikariDataSource writePool;
    private final Jdbi reader;
    private final Writer writer;
    private final Semaphore readPermits;

    private Database(Dialect dialect, HikariDataSource readPool, HikariDataSource writePool, String[] syncPragmas) {
        this.dialect = dialect;
        this.readPool = readPool;
        this.writePool = writePool;
        this.reader = Jdbi.create(readPool);
        this.writer = new Writer(Jdbi.create(writePool), dialect, syncPragmas);
        this.readPermits = new Semaphore(readPool.getMaximumPoolSize());
    }

    public static Database open(HeraldConfig cfg) {
        String url = cfg.databaseUrl();
        if (!cfg.isSqlite()) throw new IllegalArgumentException("unsupported database: only SQLite in this build");
        Path file = Path.of(url.substring("jdbc:sqlite:".length()));
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new StoreException("cannot create database directory " + file.getParent(), e);
        }
        HikariDataSource write = new HikariDataSource(sqlite(url, "herald-write", 1, cfg.sqliteSynchronous(), false));
        try {
            migrate(write, Dialect.SQLITE);
            HikariDataSource read = new HikariDataSource(sqlite(url, "herald-read", cfg.databasePoolSize(), cfg.sqliteSynchronous(), true));
            String sync = cfg.sqliteSynchronous();
            // Batches of only redoable work (claims, attempt records) commit at NORMAL; see Writer.submitRelaxed.
            String[] pragmas = sync.equals("FULL") || sync.equals("EXTRA") ? new String[] {sync, "NORMAL"} : null;
            return new Database(Dialect.SQLITE, read, write, pragmas);
        } catch (RuntimeException e) {
            write.close();
            throw e;
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
        hc.addDataSourceProperty("cache_size", "-16000");
        if (readOnly) hc.addDataSourceProperty("query_only", "true");
        return hc;
    }

    private static void migrate(HikariDataSource ds, Dialect dialect) {
        Flyway.configure()
                .dataSource(ds)
                .locations(dialect.migrations())
                .loggers("slf4j")
                .load()
                .migrate();
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
        try {
            readPermits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a read connection", e);
        }
        try (Handle h = reader.open()) {
            return callback.withHandle(h);
        } catch (StoreException e) {
            throw e;
        } catch (org.jdbi.v3.core.ConnectionException e) {
            throw new StoreException("database unavailable: " + e.getMessage(), e);
        } finally {
            readPermits.release();
        }
    }

    /** True when a trivial query succeeds; used by /readyz. */
    public boolean ping() {
        try {
            return read(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        writer.close();
        readPool.close();
        writePool.close();
    }
}
