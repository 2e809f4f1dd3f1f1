package dev.herald.store;

import dev.herald.config.HeraldConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code LISTEN herald_work} on a connection of its own: any node's {@code NOTIFY} wakes this node's
 * dispatcher at once instead of at its next poll. Losing the connection loses nothing (the dispatcher
 * still polls); the listener reconnects with backoff and wakes the dispatcher when it is back, since
 * notifications sent meanwhile are gone.
 */
final class WorkListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkListener.class);

    private final HeraldConfig cfg;
    /** The payload of this process's own notifications, which wake nothing here (its worker was woken directly). */
    private final String processId;
    private final Runnable onWork;
    private volatile boolean running = true;
    private volatile Connection connection;
    private Thread thread;

    WorkListener(HeraldConfig cfg, String processId, Runnable onWork) {
        this.cfg = cfg;
        this.processId = processId;
        this.onWork = onWork;
    }

    void start() {
        thread = Thread.ofPlatform().name("herald-work-listener").daemon(true).start(this::loop);
    }

    private void loop() {
        long backoff = 0;
        boolean wasDown = false;
        while (running) {
            try (Connection c = connect()) {
                connection = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + Database.WORK_CHANNEL);
                }
                if (wasDown) {
                    log.info("listening for new work again");
                    onWork.run();
                }
                backoff = 0;
                wasDown = false;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] got = pg.getNotifications(10_000);
                    if (got == null || got.length == 0) {
                        if (!c.isValid(5)) throw new SQLException("the connection stopped answering");
                    } else if (fromElsewhere(processId, got)) {
                        onWork.run();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) break;
                backoff = Math.min(Math.max(backoff * 2, 250), 10_000);
                if (!wasDown) log.warn("lost the work-notification connection ({}); the dispatcher polls meanwhile", e.getMessage());
                wasDown = true;
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    break;
                }
            } finally {
                connection = null;
            }
        }
    }

    /** Whether any of {@code got} came from a process other than {@code processId} (or from a version that names none). */
    static boolean fromElsewhere(String processId, PGNotification[] got) {
        for (PGNotification n : got) {
            if (!processId.equals(n.getParameter())) return true;
        }
        return false;
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        if (cfg.databaseUser() != null) p.setProperty("user", cfg.databaseUser());
        if (cfg.databasePassword() != null && !cfg.databasePassword().isEmpty()) p.setProperty("password", cfg.databasePassword());
        p.setProperty("connectTimeout", "5");
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "herald-listener");
        return DriverManager.getConnection(cfg.databaseUrl(), p);
    }

    @Override
    public void close() {
        running = false;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing
            }
        }
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
