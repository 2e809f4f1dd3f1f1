package dev.herald.support;

import dev.herald.Herald;
import dev.herald.config.ConfigLoader;
import dev.herald.config.HeraldConfig;
import dev.herald.outbound.HostResolver;
import dev.herald.projects.Projects;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Herald in this JVM: its own data dir, port 0, and the engine the suite runs against
 * ({@link TestDatabases}): SQLite in the data dir, or a PostgreSQL schema of its own. The outbound policy lets plain http to
 * 127.0.0.1 through (tests' receivers) unless a test overrides the settings.
 */
public final class TestHerald implements AutoCloseable {
    private final Path dir;
    private final Herald herald;
    private final HeraldConfig cfg;
    private final Clock clock;

    private TestHerald(Path dir, HeraldConfig cfg, HostResolver resolver, Clock clock) {
        this.dir = dir;
        this.cfg = cfg;
        this.clock = clock;
        this.herald = Herald.start(cfg, Herald.Mode.ALL, resolver, clock);
    }

    public static TestHerald start() {
        return start(Map.of());
    }

    public static TestHerald start(Map<String, String> overrides) {
        return start(overrides, HostResolver.SYSTEM);
    }

    public static TestHerald start(Map<String, String> overrides, HostResolver resolver) {
        return start(overrides, resolver, Clock.systemUTC());
    }

    /** A Herald whose every component reads {@code clock} (e.g. a {@link MutableClock}) for the time of day. */
    public static TestHerald start(Map<String, String> overrides, Clock clock) {
        return start(overrides, HostResolver.SYSTEM, clock);
    }

    public static TestHerald start(Map<String, String> overrides, HostResolver resolver, Clock clock) {
        try {
            Path dir = Files.createTempDirectory("herald-test");
            return new TestHerald(dir, config(dir, overrides), resolver, clock);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static HeraldConfig config(Path dir, Map<String, String> overrides) {
        Map<String, String> s = new HashMap<>();
        s.put("HERALD_DATA_DIR", dir.toString());
        s.put("HERALD_HTTP_PORT", "0");
        s.put("HERALD_HTTP_HOST", "127.0.0.1");
        s.put("HERALD_MAIL_SMTP_PORT", "0");
        s.put("HERALD_MAIL_SMTP_HOST", "127.0.0.1");
        s.put("HERALD_SQLITE_SYNCHRONOUS", "NORMAL");
        s.put("HERALD_DELIVERY_POLL_INTERVAL", "100ms");
        s.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        s.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        s.putAll(overrides);
        if (!s.containsKey("HERALD_DATABASE_URL") && TestDatabases.postgres()) {
            s.put("HERALD_DATABASE_URL", TestDatabases.urlFor(Path.of(s.get("HERALD_DATA_DIR"))));
        }
        return ConfigLoader.load(s, Map.of());
    }

    public int port() {
        return herald.port();
    }

    public Herald herald() {
        return herald;
    }

    public HeraldConfig config() {
        return cfg;
    }

    public Path dataDir() {
        return dir;
    }

    /** A new project; returns an API client holding its CLIENT_ADMIN key. */
    public Api newProject(String name) {
        Projects.Created p = new Projects(herald.database(), clock).create(name);
        return new Api(port(), p.adminKey().key());
    }

    @Override
    public void close() {
        herald.close();
        deleteTree(dir);
    }

    public static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
