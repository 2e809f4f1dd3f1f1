package dev.herald.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The engine the suite runs against, and for PostgreSQL a fresh schema per Herald data dir.
 *
 * <p>The engine is the system property {@code herald.test.engine} ({@code sqlite}, the default, or
 * {@code postgresql}); the build runs the whole suite once per engine. PostgreSQL is the server named by
 * {@code HERALD_TEST_DATABASE_URL}, else the one on 127.0.0.1:5432 (user postgres, database test), else an
 * embedded one started for this JVM ({@link EmbeddedPostgres}). If none can be had, the PostgreSQL run
 * fails: it never silently passes on SQLite.
 */
public final class TestDatabases {
    /** Schemas made by test JVMs carry this prefix and their creation time, so leftovers of killed runs can be dropped. */
    private static final String PREFIX = "herald_t_";
    private static final String URL_FILE = ".test-database-url";
    private static final List<String> created = new ArrayList<>();
    private static Server server;

    private TestDatabases() {}

    /** A PostgreSQL server: its JDBC URL (no schema chosen) and user. */
    public record Server(String jdbcUrl, String user, String password) {
        public Connection connect() throws SQLException {
            return DriverManager.getConnection(jdbcUrl, user, password);
        }

        /** The libpq form Herald's HERALD_DATABASE_URL takes, with {@code currentSchema} chosen. */
        public String heraldUrl(String schema) {
            String rest = jdbcUrl.substring("jdbc:postgresql://".length());
            String auth = user == null ? "" : encode(user) + (password == null || password.isEmpty() ? "" : ":" + encode(password)) + "@";
            return "postgresql://" + auth + rest + (rest.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        }

        private static String encode(String s) {
            return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
        }

        /** {@code host:port} of the server. */
        public String hostAndPort() {
            return jdbcUrl.substring("jdbc:postgresql://".length()).split("[/?]", 2)[0];
        }

        /** {@link #heraldUrl} reaching the server through 127.0.0.1:{@code port} instead (a {@link TcpProxy}). */
        public String heraldUrlVia(int port, String schema) {
            return heraldUrl(schema).replace("@" + hostAndPort() + "/", "@127.0.0.1:" + port + "/").replace("//" + hostAndPort() + "/", "//127.0.0.1:" + port + "/");
        }
    }

    public static boolean postgres() {
        return System.getProperty("herald.test.engine", "sqlite").toLowerCase(Locale.ROOT).startsWith("postgres");
    }

    public static String engine() {
        return postgres() ? "postgresql" : "sqlite";
    }

    /**
     * The HERALD_DATABASE_URL for a Herald whose data dir is {@code dataDir}: on PostgreSQL a schema of its
     * own, made on first use and kept for as long as the dir is (a restarted Herald finds its data); on
     * SQLite null (the default file in the data dir).
     */
    public static synchronized String urlFor(Path dataDir) {
        if (!postgres()) return null;
        Path file = dataDir.resolve(URL_FILE);
        try {
            if (Files.exists(file)) return Files.readString(file, StandardCharsets.UTF_8).trim();
            Files.createDirectories(dataDir);
            String url = server().heraldUrl(newSchema());
            Files.writeString(file, url, StandardCharsets.UTF_8);
            return url;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new, empty schema in the test server; dropped when the JVM exits. */
    public static synchronized String newSchema() {
        String name = PREFIX + System.currentTimeMillis() / 1000 + "_" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
        try (Connection c = server().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test schema: " + e.getMessage(), e);
        }
        created.add(name);
        return name;
    }

    /** The PostgreSQL server the suite uses, found or started on first use. */
    public static synchronized Server server() {
        if (server != null) return server;
        if ("embedded".equals(System.getProperty("herald.test.postgres"))) {
            // -Dherald.test.postgres=embedded: skip HERALD_TEST_DATABASE_URL and 127.0.0.1:5432 (checks the fallback).
            return install(EmbeddedPostgres.start());
        }
        String given = System.getenv("HERALD_TEST_DATABASE_URL");
        List<String> tried = new ArrayList<>();
        if (given != null && !given.isBlank()) {
            Server s = parse(given.trim());
            String problem = reach(s);
            if (problem != null) {
                throw new IllegalStateException("HERALD_TEST_DATABASE_URL is set but PostgreSQL there cannot be used: " + problem);
            }
            return install(s);
        }
        Server local = new Server("jdbc:postgresql://127.0.0.1:5432/test", "postgres", null);
        String problem = reach(local);
        if (problem == null) return install(local);
        tried.add("127.0.0.1:5432 (" + problem + ")");
        try {
            return install(EmbeddedPostgres.start());
        } catch (RuntimeException e) {
            tried.add("embedded PostgreSQL (" + e.getMessage() + ")");
            throw new IllegalStateException("the PostgreSQL test run has no PostgreSQL: tried " + String.join("; ", tried), e);
        }
    }

    private static Server install(Server s) {
        server = s;
        dropLeftovers(s);
        Runtime.getRuntime().addShutdownHook(new Thread(TestDatabases::dropCreated, "drop-test-schemas"));
        return s;
    }

    /** {@code postgresql://user[:pass]@host:port/db} or {@code jdbc:postgresql://host:port/db?user=..}. */
    static Server parse(String url) {
        // Read the way Herald reads HERALD_DATABASE_URL.
        var cfg = dev.herald.config.ConfigLoader.load(Map.of("HERALD_DATABASE_URL", url, "HERALD_DATA_DIR",
                System.getProperty("java.io.tmpdir")), Map.of());
        if (!cfg.isPostgres()) throw new IllegalStateException("HERALD_TEST_DATABASE_URL must be a PostgreSQL URL");
        return new Server(cfg.databaseUrl(), cfg.databaseUser(), cfg.databasePassword());
    }

    private static String reach(Server s) {
        try {
            DriverManager.setLoginTimeout(3);
            try (Connection c = s.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT 1");
                return null;
            }
        } catch (SQLException e) {
            return e.getMessage();
        }
    }

    /** Drops schemas more than an hour old that earlier (killed) test runs left behind. */
    private static void dropLeftovers(Server s) {
        long hourAgo = System.currentTimeMillis() / 1000 - 3600;
        try (Connection c = s.connect(); Statement st = c.createStatement()) {
            List<String> old = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT nspname FROM pg_namespace WHERE nspname LIKE '" + PREFIX + "%'")) {
                while (rs.next()) {
                    String n = rs.getString(1);
                    String[] parts = n.substring(PREFIX.length()).split("_");
                    try {
                        if (Long.parseLong(parts[0]) < hourAgo) old.add(n);
                    } catch (NumberFormatException ignored) {
                        // not ours
                    }
                }
            }
            for (String n : old) st.execute("DROP SCHEMA IF EXISTS " + n + " CASCADE");
        } catch (SQLException ignored) {
            // best effort
        }
    }

    private static synchronized void dropCreated() {
        if (server == null || created.isEmpty()) return;
        try (Connection c = server.connect(); Statement st = c.createStatement()) {
            for (String n : created) st.execute("DROP SCHEMA IF EXISTS " + n + " CASCADE");
        } catch (SQLException ignored) {
            // best effort: a later run drops what is left
        }
        created.clear();
    }
}
