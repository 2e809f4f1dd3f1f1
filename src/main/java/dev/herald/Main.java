package dev.herald;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import dev.herald.config.ConfigException;
import dev.herald.config.ConfigLoader;
import dev.herald.config.HeraldConfig;
import dev.herald.config.Settings;
import dev.herald.projects.Projects;
import dev.herald.store.Database;
import dev.herald.store.StoreException;
import dev.herald.util.Json;
import dev.herald.util.Version;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import tools.jackson.databind.node.ObjectNode;

/** The {@code herald} command line. */
@Command(name = "herald", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Self-hosted webhook and email delivery.",
        subcommands = {Main.Serve.class, Main.Worker.class, Main.Admin.class, CommandLine.HelpCommand.class})
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

    @Command(name = "worker", mixinStandardHelpOptions = true, description = "Run a worker process without the API.",
            subcommands = {WorkerNotifications.class})
    static final class Worker implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
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

    /** Starts Herald in {@code mode} and blocks until the process is told to stop. */
    static int run(Map<String, String> flags, Herald.Mode mode) throws InterruptedException {
        HeraldConfig cfg;
        try {
            cfg = load(flags);
        } catch (ConfigException e) {
            System.err.println("herald: configuration error: " + e.getMessage());
            return 2;
        }
        Herald herald;
        try {
            herald = Herald.start(cfg, mode);
        } catch (StoreException e) {
            System.err.println("herald: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            herald.close();
            stopped.countDown();
        }, "herald-shutdown"));
        String database = cfg.isSqlite() ? "SQLite " + cfg.databaseUrlForLogs() : "PostgreSQL " + cfg.databaseUrlForLogs();
        if (herald.port() < 0) {
            LoggerFactory.getLogger(Main.class).info("Herald {} worker running (database: {})", Version.get(), database);
        } else {
            LoggerFactory.getLogger(Main.class).info("Herald {} {} on http://{}:{} (data: {}, database: {})", Version.get(),
                    switch (mode) {
                        case ALL -> "API and worker listening";
                        case API_ONLY -> "API (no worker) listening";
                        case WORKER_ONLY -> "worker answering health checks";
                    }, cfg.httpHost(), herald.port(), cfg.dataDir(), database);
        }
        stopped.await();
        return 0;
    }

    @Command(name = "admin", mixinStandardHelpOptions = true, description = "Administrative commands.",
            subcommands = {CreateProject.class})
    static final class Admin implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
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
            HeraldConfig cfg;
            try {
                cfg = load(store.flags());
            } catch (ConfigException e) {
                System.err.println("herald: configuration error: " + e.getMessage());
                return 2;
            }
            if (name.isBlank() || name.length() > 200) {
                System.err.println("herald: the project name must be 1 to 200 characters");
                return 2;
            }
            try (Database db = Database.open(cfg)) {
                Projects.Created p = new Projects(db, Clock.systemUTC()).create(name);
                ObjectNode out = Json.object();
                out.put("project_id", p.projectId());
                out.put("name", p.name());
                out.put("api_key", p.adminKey().key());
                System.out.println(Json.write(out));
                return 0;
            }
        }
    }
}
