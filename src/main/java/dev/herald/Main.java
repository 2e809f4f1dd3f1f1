package dev.herald;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import dev.herald.config.ConfigException;
import dev.herald.config.ConfigLoader;
import dev.herald.config.Durations;
import dev.herald.config.HeraldConfig;
import dev.herald.config.Settings;
import dev.herald.mail.SmtpListener;
import dev.herald.projects.ApiKeys;
import dev.herald.projects.Projects;
import dev.herald.projects.Role;
import dev.herald.store.DataDirLock;
import dev.herald.store.Database;
import dev.herald.store.StoreException;
import dev.herald.ui.ReviewSessions;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import dev.herald.util.Version;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The {@code herald} command line. */
@Command(name = "herald", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Self-hosted webhook and email delivery.",
        subcommands = {Main.Serve.class, Main.Worker.class, Main.Admin.class, Main.TrainCache.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Herald " + Version.get()};
        }
    }

    /** Options every command that touches the database shares. */
    static final class StoreOptions {
        @Option(names = "--data-dir", description = "Data directory (env HERALD_DATA_DIR, default ./data).")
        String dataDir;

        @Option(names = "--database-url", description = "Database URL (env HERALD_DATABASE_URL, default SQLite in the data dir).")
        String databaseUrl;

        @Option(names = "--config", description = "Properties file with settings (env HERALD_CONFIG_FILE).")
        String config;

        Map<String, String> flags() {
            Map<String, String> f = new HashMap<>();
            if (dataDir != null) f.put(Settings.DATA_DIR.key(), dataDir);
            if (databaseUrl != null) f.put(Settings.DATABASE_URL.key(), databaseUrl);
            if (config != null) f.put(Settings.CONFIG_FILE.key(), config);
            return f;
        }
    }

    static HeraldConfig load(Map<String, String> flags) {
        HeraldConfig cfg = ConfigLoader.load(flags, System.getenv());
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.getLogger("dev.herald").setLevel(Level.toLevel(cfg.logLevel(), Level.INFO));
        // The environment holds other programs' variables too, so an unknown HERALD_* name is a warning, not an error.
        for (String name : System.getenv().keySet()) {
            if (name.startsWith("HERALD_") && Settings.ALL.stream().noneMatch(s -> s.key().equals(name))) {
                LoggerFactory.getLogger(Main.class).warn("ignoring unknown setting {} in the environment (see docs/configuration.md)", name);
            }
        }
        return cfg;
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the API and the delivery worker.")
    static final class Serve implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions store = new StoreOptions();

        @Option(names = "--port", description = "HTTP port (env HERALD_HTTP_PORT, default 8080).")
        String port;

        @Option(names = "--host", description = "HTTP interface (env HERALD_HTTP_HOST, default 0.0.0.0).")
        String host;

        @Option(names = "--api-only", description = "Run the API without the delivery worker.")
        boolean apiOnly;

        @Override
        public Integer call() throws Exception {
            Map<String, String> flags = store.flags();
            if (port != null) flags.put(Settings.HTTP_PORT.key(), port);
            if (host != null) flags.put(Settings.HTTP_HOST.key(), host);
            return run(flags, apiOnly ? Herald.Mode.API_ONLY : Herald.Mode.ALL);
        }
    }

    /** The launcher's training run for its ahead-of-time cache (hidden: see {@link CacheTraining}). */
    @Command(name = "train-cache", hidden = true, description = "Exercise start-up and delivery once, for the launcher's ahead-of-time cache.")
    static final class TrainCache implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return CacheTraining.run();
        }
    }

    @Command(name = "worker", mixinStandardHelpOptions = true, description = "Run a worker process without the API.",
            subcommands = {WorkerNotifications.class})
    static final class Worker implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** Without a subcommand there is nothing to do: a usage error (exit 2), not a silent success. */
        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing a subcommand: " + String.join(", ", spec.subcommands().keySet()));
        }
    }

    @Command(name = "notifications", mixinStandardHelpOptions = true,
            description = {"Deliver notifications (webhooks, email, Slack, customer email) without serving the API.",
                    "On PostgreSQL any number of workers and API nodes can share one database."})
    static final class WorkerNotifications implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions store = new StoreOptions();

        @Option(names = "--port", description = "Answer /healthz, /readyz and /metrics on this port (env HERALD_WORKER_HTTP_PORT; default: no port).")
        String port;

        @Option(names = "--host", description = "Interface for --port (env HERALD_HTTP_HOST, default 0.0.0.0).")
        String host;

        @Override
        public Integer call() throws Exception {
            Map<String, String> flags = store.flags();
            if (port != null) flags.put(Settings.WORKER_HTTP_PORT.key(), port);
            if (host != null) flags.put(Settings.HTTP_HOST.key(), host);
            return run(flags, Herald.Mode.WORKER_ONLY);
        }
    }

    /**
     * Starts Herald in {@code mode} and blocks until the process is told to stop. On SQLite the data
     * directory is locked first ({@link DataDirLock}): a second server on it refuses to start, naming the holder.
     */
    static int run(Map<String, String> flags, Herald.Mode mode) throws InterruptedException {
        HeraldConfig cfg;
        try {
            cfg = load(flags);
        } catch (ConfigException e) {
            System.err.println("herald: configuration error: " + e.getMessage());
            return 2;
        }
        Logger log = LoggerFactory.getLogger(Main.class);
        DataDirLock lock = null;
        Herald herald;
        try {
            if (cfg.isSqlite()) lock = DataDirLock.acquire(cfg.dataDir());
            herald = quietJavalinStart(() -> Herald.start(cfg, mode));
        } catch (StoreException | SmtpListener.BindFailed e) {
            if (lock != null) lock.close();
            System.err.println("herald: " + e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            if (lock != null) lock.close();
            String why = bindFailure(e);
            if (why == null) throw e;
            int port = mode == Herald.Mode.WORKER_ONLY ? cfg.workerHttpPort() : cfg.httpPort();
            System.err.println("herald: cannot listen on " + cfg.httpHost() + ":" + port + ": " + why
                    + " (another process may be using the port: choose another with --port, or stop that process)");
            return 1;
        }
        DataDirLock held = lock;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int inFlight = herald.inFlight();
            log.info("Herald stopping: {} {} in flight, given up to 10 s to finish", inFlight, inFlight == 1 ? "attempt" : "attempts");
            long started = System.nanoTime();
            herald.close();
            if (held != null) held.close();
            int left = herald.inFlight();
            log.info("Herald stopped in {} ms: {} of {} {} in flight finished{}", (System.nanoTime() - started) / 1_000_000, inFlight - left, inFlight,
                    inFlight == 1 ? "attempt" : "attempts", left == 0 ? "" : "; " + left + " unfinished will be attempted again when their leases expire");
            stopped.countDown();
        }, "herald-shutdown"));
        String database = cfg.isSqlite() ? "SQLite " + cfg.databaseUrlForLogs() : "PostgreSQL " + cfg.databaseUrlForLogs();
        if (herald.port() < 0) {
            log.info("Herald {} worker running (database: {})", Version.get(), database);
        } else {
            log.info("Herald {} {} on http://{}:{} (data: {}, database: {}{})", Version.get(),
                    switch (mode) {
                        case ALL -> "API and worker listening";
                        case API_ONLY -> "API (no worker) listening";
                        case WORKER_ONLY -> "worker answering health checks";
                    }, cfg.httpHost(), herald.port(), cfg.dataDir(), database,
                    mode == Herald.Mode.WORKER_ONLY ? "" : ", public URL: " + herald.publicUrl());
        }
        stopped.await();
        return 0;
    }

    /**
     * Runs {@code start} with Javalin's own logger off: its only word on a failed start is an ERROR line
     * ("Failed to start Javalin") before the exception, which this class reports itself, in one line when
     * the port is taken. Its level is restored afterwards, so errors it logs while serving still show.
     */
    private static <T> T quietJavalinStart(java.util.function.Supplier<T> start) {
        ch.qos.logback.classic.Logger javalin = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("io.javalin.Javalin");
        Level before = javalin.getLevel();
        javalin.setLevel(Level.OFF);
        try {
            return start.get();
        } finally {
            javalin.setLevel(before);
        }
    }

    /** Why the listening socket could not be bound (the port is taken, the address is not ours), or null for any other failure. */
    private static String bindFailure(Throwable e) {
        boolean bind = false;
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getClass().getSimpleName().equals("JavalinBindException")) bind = true;
            if (c instanceof java.net.BindException b) return b.getMessage() == null ? "cannot bind" : b.getMessage();
        }
        return bind ? "cannot bind" : null;
    }

    @Command(name = "admin", mixinStandardHelpOptions = true,
            description = {"Operator commands on the database; they run beside a running server (same data dir or database).",
                    "Each prints JSON. API key values are printed once, by create-project and create-key."},
            subcommands = {CreateProject.class, ListProjects.class, ListKeys.class, CreateKey.class, RevokeKey.class, ConsoleLink.class})
    static final class Admin implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** Without a subcommand there is nothing to do: a usage error (exit 2), not a silent success. */
        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing a subcommand: " + String.join(", ", spec.subcommands().keySet()));
        }
    }

    /**
     * Runs an admin command on the database of {@code store}: 2 for a configuration or input error, 1 when
     * the database refuses or a named thing does not exist. Takes no data-directory lock.
     */
    static int admin(StoreOptions store, java.util.function.Function<Database, Integer> command) {
        HeraldConfig cfg;
        try {
            cfg = load(store.flags());
        } catch (ConfigException e) {
            System.err.println("herald: configuration error: " + e.getMessage());
            return 2;
        }
        try (Database db = Database.open(cfg)) {
            return command.apply(db);
        } catch (Problem e) {
            System.err.println("herald: " + e.getMessage());
            return e.kind() == Problem.Kind.INVALID ? 2 : 1;
        } catch (StoreException e) {
            System.err.println("herald: " + e.getMessage());
            return 1;
        }
    }

    @Command(name = "create-project", mixinStandardHelpOptions = true,
            description = "Create a project and print its id and first CLIENT_ADMIN API key as JSON (the key is shown only now).")
    static final class CreateProject implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions store = new StoreOptions();

        @Parameters(index = "0", description = "Project name.")
        String name;

        @Override
        public Integer call() {
            if (name.isBlank() || name.length() > 200) {
                System.err.println("herald: the project name must be 1 to 200 characters");
                return 2;
            }
            return admin(store, db -> {
                Projects.Created p = new Projects(db, Clock.systemUTC()).create(name);
                ObjectNode out = Json.object();
                out.put("project_id", p.projectId());
                out.put("name", p.name());
                out.put("api_key", p.adminKey().key());
                System.out.println(Json.write(out));
                return 0;
            });
        }
    }

    @Command(name = "list-projects", mixinStandardHelpOptions = true,
            description = "List every project as a JSON array: id, name, created_at and active_keys (keys not revoked).")
    static final class ListProjects implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions store = new StoreOptions();

        @Override
        public Integer call() {
            return admin(store, db -> {
                ArrayNode out = Json.array();
                for (Projects.Info p : new Projects(db, Clock.systemUTC()).list()) {
                    ObjectNode n = out.addObject();
                    n.put("id", p.id());
                    n.put("name", p.name());
                    n.put("created_at", java.time.Instant.ofEpochMilli(p.createdAt()).toString());
                    n.put("active_keys", p.activeKeys());
                }
                System.out.println(Json.write(out));
                return 0;
            });
        }
    }

    @Command(name = "list-keys", mixinStandardHelpOptions = true,
            description = "List a project's API keys (not revoked) as a JSON array: id, name, role, prefix, created_at, last_used_at. Never the keys.")
    static final class ListKeys implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions store = new StoreOptions();

        @Parameters(index = "0", paramLabel = "PROJECT_ID", description = "The project (see list-projects).")
        String projectId;

        @Override
        public Integer call() {
            return admin(store, db -> {
                if (!new Projects(db, Clock.systemUTC()).exists(projectId)) throw Problem.notFound("project " + projectId);
                ApiKeys keys = new ApiKeys(db, Clock.systemUTC());
                ArrayNode out = Json.array();
                String cursor = null;
                do {
                    ApiKeys.Page page = keys.list(projectId, cursor, 500);
                    page.keys().forEach(k -> out.add(k.json()));
                    cursor = page.nextCursor();
                } while (cursor != null);
                System.out.println(Json.write(out));
                return 0;
            });
        }
    }

    @Command(name = "create-key", mixinStandardHelpOptions = true,
            description = "Create an API key for a project and print it as JSON: id, name, role, api_key, created_at (the key is shown only now).")
    static final class CreateKey implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions store = new StoreOptions();

        @Parameters(index = "0", paramLabel = "PROJECT_ID", description = "The project (see list-projects).")
        String projectId;

        @Option(names = "--role", required = true, description = "CLIENT_ADMIN, PUBLISHER, VIEWER or REVIEWER.")
        Role role;

        @Option(names = "--name", required = true, description = "What the key is for (1 to 200 characters), shown in lists and as who approved.")
        String name;

        @Override
        public Integer call() {
            if (name.isBlank() || name.length() > 200) {
                System.err.println("herald: --name must be 1 to 200 characters");
                return 2;
            }
            return admin(store, db -> {
                System.out.println(Json.write(new ApiKeys(db, Clock.systemUTC()).create(projectId, name.trim(), role).json()));
                return 0;
            });
        }
    }

    @Command(name = "revoke-key", mixinStandardHelpOptions = true,
            description = {"Revoke an API key at once, on every node: requests with it are refused and its review-page sessions end.",
                    "Unlike the API, this also revokes a project's last CLIENT_ADMIN key (create another with create-key). Prints the key revoked as JSON."})
    static final class RevokeKey implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions store = new StoreOptions();

        @Parameters(index = "0", paramLabel = "KEY_ID", description = "The key's id (see list-keys).")
        String keyId;

        @Override
        public Integer call() {
            return admin(store, db -> {
                ApiKeys.Info revoked = new ApiKeys(db, Clock.systemUTC()).revoke(keyId);
                ObjectNode out = revoked.json();
                out.put("project_id", revoked.projectId());
                out.put("revoked", true);
                System.out.println(Json.write(out));
                return 0;
            });
        }
    }

    @Command(name = "console-link", mixinStandardHelpOptions = true,
            description = {"Print a one-time link that signs its holder in to a project's console, without an API key. Prints JSON: url, project_id,",
                    "key_id, name, role, expires_at. The session acts as the project's operator key (--name, --role), created on first use and listed",
                    "with its keys; revoking that key ends its sessions. Anyone holding the link can use it once before it expires: send it privately."})
    static final class ConsoleLink implements Callable<Integer> {
        @CommandLine.Mixin
        StoreOptions store = new StoreOptions();

        @Parameters(index = "0", paramLabel = "PROJECT_ID", description = "The project (see list-projects).")
        String projectId;

        @Option(names = "--role", defaultValue = "CLIENT_ADMIN", description = "CLIENT_ADMIN (manage the project, the default) or VIEWER (look only).")
        Role role;

        @Option(names = "--name", defaultValue = "operator", description = "Who the session acts as, shown in the console and as who approved (default: operator).")
        String name;

        @Option(names = "--ttl", defaultValue = "15m", description = "How long the link may be used, like 15m or 2h (at most 24h; default 15m). The session lasts 12h.")
        String ttl;

        @Option(names = "--base-url", description = "Where people reach Herald (default: HERALD_PUBLIC_URL, else http://HOST:PORT of the settings).")
        String baseUrl;

        @Override
        public Integer call() {
            if (role != Role.CLIENT_ADMIN && role != Role.VIEWER) {
                System.err.println("herald: --role must be CLIENT_ADMIN or VIEWER (the roles the console admits)");
                return 2;
            }
            if (name.isBlank() || name.length() > 200) {
                System.err.println("herald: --name must be 1 to 200 characters");
                return 2;
            }
            Duration lifetime;
            try {
                lifetime = Durations.parse(ttl);
            } catch (IllegalArgumentException e) {
                System.err.println("herald: --ttl: " + e.getMessage());
                return 2;
            }
            if (lifetime.isZero() || lifetime.compareTo(ReviewSessions.LINK_MAX_LIFETIME) > 0) {
                System.err.println("herald: --ttl must be more than 0 and at most 24h");
                return 2;
            }
            if (baseUrl != null && !baseUrl.matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")) {
                System.err.println("herald: --base-url must be an http or https URL, like https://herald.example.com");
                return 2;
            }
            return admin(store, db -> {
                HeraldConfig cfg = load(store.flags());
                String base = baseUrl != null ? baseUrl : cfg.publicUrl() != null ? cfg.publicUrl() : Herald.localUrl(cfg.httpHost(), cfg.httpPort());
                Clock clock = Clock.systemUTC();
                String keyId = new ApiKeys(db, clock).operatorKey(projectId, name.trim(), role);
                String token = ReviewSessions.createLink(db, clock, projectId, keyId, lifetime);
                ObjectNode out = Json.object();
                out.put("url", base.replaceAll("/+$", "") + ReviewSessions.LINK_PATH + "?token=" + token);
                out.put("project_id", projectId);
                out.put("key_id", keyId);
                out.put("name", name.trim());
                out.put("role", role.name());
                out.put("expires_at", java.time.Instant.ofEpochMilli(clock.millis() + lifetime.toMillis()).toString());
                System.out.println(Json.write(out));
                return 0;
            });
        }
    }
}
