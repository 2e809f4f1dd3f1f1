package dev.herald.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;

/**
 * Resolves every {@link Setting}: command-line flag, then environment variable, then the optional
 * properties file, then the documented default. Every value is validated here; an invalid one fails
 * startup with a {@link ConfigException} naming its key. Unknown {@code HERALD_*} keys in the file are
 * rejected so a typo is not silently ignored.
 */
public final class ConfigLoader {
    private final Map<String, String> flags;
    private final Map<String, String> env;
    private final Map<String, String> file;

    private ConfigLoader(Map<String, String> flags, Map<String, String> env, Map<String, String> file) {
        this.flags = flags;
        this.env = env;
        this.file = file;
    }

    /**
     * @param flags values given on the command line, keyed by setting key (e.g. {@code HERALD_HTTP_PORT})
     * @param env   the process environment
     */
    public static HeraldConfig load(Map<String, String> flags, Map<String, String> env) {
        String fileName = firstNonBlank(flags.get(Settings.CONFIG_FILE.key()), env.get(Settings.CONFIG_FILE.key()));
        Map<String, String> fileValues = fileName == null ? Map.of() : readFile(Path.of(fileName));
        for (String k : flags.keySet()) {
            if (Settings.ALL.stream().noneMatch(s -> s.key().equals(k))) {
                throw new ConfigException(k, "unknown setting (see docs/configuration.md)");
            }
        }
        return new ConfigLoader(flags, env, fileValues).build();
    }

    private static Map<String, String> readFile(Path path) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException(Settings.CONFIG_FILE.key(), "cannot read " + path + ": " + e.getMessage());
        }
        Map<String, String> out = new HashMap<>();
        Set<String> known = Set.copyOf(Settings.ALL.stream().map(Setting::key).toList());
        for (String name : p.stringPropertyNames()) {
            if (!known.contains(name)) {
                throw new ConfigException(name, "unknown setting in " + path + " (see docs/configuration.md)");
            }
            out.put(name, p.getProperty(name));
        }
        return out;
    }

    private String raw(Setting s) {
        String v = flags.get(s.key());
        if (v == null) v = env.get(s.key());
        if (v == null) v = file.get(s.key());
        if (v == null) v = s.defaultValue();
        return v;
    }

    private <T> T get(Setting s, Function<String, T> parser) {
        return s.parse(raw(s), parser);
    }

    private int intIn(Setting s, int min, int max) {
        int v = get(s, Integer::parseInt);
        if (v < min || v > max) throw new ConfigException(s.key(), "must be between " + min + " and " + max + ", got " + v);
        return v;
    }

    private Duration durationIn(Setting s, Duration min, Duration max) {
        Duration d = get(s, Durations::parse);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new ConfigException(s.key(), "must be between " + Durations.format(min) + " and " + Durations.format(max) + ", got " + Durations.format(d));
        }
        return d;
    }

    private boolean bool(Setting s) {
        return get(s, v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off", "" -> false;
            default -> throw new IllegalArgumentException("expected true or false");
        });
    }

    private HeraldConfig build() {
        Path dataDir = get(Settings.DATA_DIR, v -> {
            if (v.isEmpty()) throw new IllegalArgumentException("must not be empty");
            return Path.of(v).toAbsolutePath().normalize();
        });
        DatabaseUrls.Target db = get(Settings.DATABASE_URL, v -> DatabaseUrls.normalize(v, dataDir));
        String dbPassword = raw(Settings.DATABASE_PASSWORD);
        if (dbPassword.isEmpty()) dbPassword = db.password();
        String sync = get(Settings.SQLITE_SYNCHRONOUS, v -> {
            String u = v.toUpperCase(Locale.ROOT);
            if (!List.of("OFF", "NORMAL", "FULL", "EXTRA").contains(u)) throw new IllegalArgumentException("expected OFF, NORMAL, FULL or EXTRA");
            return u;
        });
        String masterKey = raw(Settings.MASTER_KEY).trim();
        String logLevel = get(Settings.LOG_LEVEL, v -> {
            String u = v.toUpperCase(Locale.ROOT);
            if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(u)) throw new IllegalArgumentException("expected TRACE, DEBUG, INFO, WARN or ERROR");
            return u;
        });
        int port = intIn(Settings.HTTP_PORT, 0, 65535);
        Duration lease = durationIn(Settings.DELIVERY_LEASE, Duration.ofSeconds(10), Duration.ofHours(1));
        if (lease.compareTo(Duration.ofSeconds(HeraldConfig.MAX_TIMEOUT_SECONDS + 5)) < 0) {
            throw new ConfigException(Settings.DELIVERY_LEASE.key(), "must be at least " + (HeraldConfig.MAX_TIMEOUT_SECONDS + 5)
                    + "s: a lease shorter than the longest request timeout (" + HeraldConfig.MAX_TIMEOUT_SECONDS + "s) lets a second worker repeat a live attempt");
        }
        int global = intIn(Settings.DELIVERY_CONCURRENCY, 1, 100_000);
        // Left at its default, the per-webhook limit follows a smaller global limit instead of conflicting with it.
        boolean perWebhookGiven = flags.containsKey(Settings.PER_WEBHOOK_CONCURRENCY.key()) || env.containsKey(Settings.PER_WEBHOOK_CONCURRENCY.key())
                || file.containsKey(Settings.PER_WEBHOOK_CONCURRENCY.key());
        int perWebhook = perWebhookGiven ? intIn(Settings.PER_WEBHOOK_CONCURRENCY, 1, 100_000)
                : Math.min(global, intIn(Settings.PER_WEBHOOK_CONCURRENCY, 1, 100_000));
        if (perWebhook > global) {
            throw new ConfigException(Settings.PER_WEBHOOK_CONCURRENCY.key(), "(" + perWebhook + ") cannot exceed "
                    + Settings.DELIVERY_CONCURRENCY.key() + " (" + global + ")");
        }
        List<String> allowed = get(Settings.OUTBOUND_ALLOWED_HOSTS, v -> {
            List<String> entries = Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty())
                    .map(x -> x.toLowerCase(Locale.ROOT)).toList();
            AllowedHosts.parse(entries);
            return entries;
        });
        Duration retention = get(Settings.RETENTION, Durations::parse);
        if (!retention.isZero() && retention.compareTo(Duration.ofHours(1)) < 0) {
            throw new ConfigException(Settings.RETENTION.key(), "must be 0s (keep everything) or at least 1h");
        }
        return new HeraldConfig(
                get(Settings.HTTP_HOST, v -> {
                    if (v.isEmpty()) throw new IllegalArgumentException("must not be empty");
                    return v;
                }),
                port,
                dataDir,
                db.jdbcUrl(),
                db.user(),
                dbPassword,
                intIn(Settings.DATABASE_POOL_SIZE, 1, 200),
                sync,
                masterKey,
                logLevel,
                intIn(Settings.MAX_EVENT_SIZE, 1024, 64 * 1024 * 1024),
                durationIn(Settings.IDEMPOTENCY_TTL, Duration.ofMinutes(1), Duration.ofDays(30)),
                global,
                perWebhook,
                lease,
                durationIn(Settings.DELIVERY_POLL_INTERVAL, Duration.ofMillis(10), Duration.ofMinutes(1)),
                durationIn(Settings.WORKER_DEAD_AFTER, Duration.ofSeconds(2), Duration.ofMinutes(10)),
                intIn(Settings.DELIVERY_BATCH_SIZE, 1, 10_000),
                intIn(Settings.DISABLE_AFTER_FAILURES, 0, 1_000_000),
                durationIn(Settings.RETRY_AFTER_MAX, Duration.ofSeconds(1), Duration.ofDays(1)),
                durationIn(Settings.SECRET_ROTATION_GRACE, Duration.ZERO, Duration.ofDays(7)),
                get(Settings.MAX_RESPONSE_SIZE, v -> {
                    long n = Long.parseLong(v);
                    if (n < 4096 || n > 1L << 30) throw new IllegalArgumentException("must be between 4096 and 1073741824");
                    return n;
                }),
                retention,
                new HeraldConfig.OutboundSettings(bool(Settings.OUTBOUND_ALLOW_HTTP), bool(Settings.OUTBOUND_ALLOW_PRIVATE), allowed,
                        get(Settings.OUTBOUND_CA_FILE, v -> v.isEmpty() ? null : dev.herald.util.TrustAnchors.check(Path.of(v)))),
                get(Settings.PUBLIC_URL, ConfigLoader::publicUrl),
                wholeSeconds(Settings.NOTIFICATION_HTTP_TIMEOUT, 1, HeraldConfig.MAX_TIMEOUT_SECONDS),
                email(),
                get(Settings.WORKER_HTTP_PORT, v -> {
                    if (v.isEmpty()) return -1;
                    int n = Integer.parseInt(v);
                    if (n < 0 || n > 65535) throw new IllegalArgumentException("must be between 0 and 65535, or empty for none");
                    return n;
                }),
                get(Settings.SQLITE_PAGE_SIZE, v -> {
                    int n = Integer.parseInt(v);
                    if (n < 512 || n > 65536 || Integer.bitCount(n) != 1) throw new IllegalArgumentException("must be a power of two from 512 to 65536");
                    return n;
                }),
                new HeraldConfig.InboundSettings(durationIn(Settings.INBOUND_TOLERANCE, Duration.ofSeconds(30), Duration.ofHours(1)),
                        intIn(Settings.INBOUND_MAX_BODY, 1024, 26_214_400),
                        durationIn(Settings.INBOUND_REQUEST_RETENTION, Duration.ofHours(1), Duration.ofDays(365)),
                        get(Settings.INBOUND_SNS_CERT_HOSTS, v -> {
                            if (v.isEmpty()) throw new IllegalArgumentException("must be a regular expression for SNS host names");
                            return java.util.regex.Pattern.compile(v);
                        })),
                mail());
    }

    private HeraldConfig.MailSettings mail() {
        Path cert = get(Settings.MAIL_SMTP_TLS_CERT_FILE, v -> v.isEmpty() ? null : readable(Path.of(v)));
        Path key = get(Settings.MAIL_SMTP_TLS_KEY_FILE, v -> v.isEmpty() ? null : readable(Path.of(v)));
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null ? Settings.MAIL_SMTP_TLS_CERT_FILE.key() : Settings.MAIL_SMTP_TLS_KEY_FILE.key(),
                    "is required when " + (cert == null ? Settings.MAIL_SMTP_TLS_KEY_FILE.key() : Settings.MAIL_SMTP_TLS_CERT_FILE.key()) + " is set");
        }
        boolean requireTls = bool(Settings.MAIL_SMTP_REQUIRE_TLS);
        if (requireTls && cert == null) {
            throw new ConfigException(Settings.MAIL_SMTP_REQUIRE_TLS.key(), "needs HERALD_MAIL_SMTP_TLS_CERT_FILE and HERALD_MAIL_SMTP_TLS_KEY_FILE");
        }
        String user = get(Settings.MAIL_SMTP_AUTH_USERNAME, v -> {
            if (v.chars().anyMatch(Character::isISOControl)) throw new IllegalArgumentException("must not contain control characters");
            return v;
        });
        String password = raw(Settings.MAIL_SMTP_AUTH_PASSWORD);
        if (!user.isEmpty() && password.isEmpty()) {
            throw new ConfigException(Settings.MAIL_SMTP_AUTH_PASSWORD.key(), "is required when " + Settings.MAIL_SMTP_AUTH_USERNAME.key() + " is set");
        }
        String hostname = get(Settings.MAIL_SMTP_HOSTNAME, v -> {
            if (!v.isEmpty() && !v.matches("[A-Za-z0-9.-]{1,253}")) throw new IllegalArgumentException("must be a host name");
            return v;
        });
        return new HeraldConfig.MailSettings(bool(Settings.MAIL_SMTP_ENABLED), bool(Settings.MAIL_SMTP_IN_WORKERS),
                get(Settings.MAIL_SMTP_HOST, v -> {
                    if (v.isEmpty() || !v.matches("[A-Za-z0-9._:\\[\\]-]+")) throw new IllegalArgumentException("must be a host name or an IP address");
                    return v;
                }),
                intIn(Settings.MAIL_SMTP_PORT, 0, 65535), hostname, cert, key, requireTls, user, password,
                intIn(Settings.MAIL_SMTP_MAX_CONNECTIONS, 1, 10_000), intIn(Settings.MAIL_SMTP_MAX_RECIPIENTS, 1, 1000),
                durationIn(Settings.MAIL_SMTP_TIMEOUT, Duration.ofSeconds(10), Duration.ofHours(1)),
                intIn(Settings.MAIL_MAX_MESSAGE_SIZE, 1024, 100 * 1024 * 1024),
                get(Settings.MAIL_RETENTION, v -> {
                    Duration d = Durations.parse(v);
                    if (!d.isZero() && d.compareTo(Duration.ofHours(1)) < 0) throw new IllegalArgumentException("must be 0s (keep everything) or at least 1h");
                    return d;
                }),
                durationIn(Settings.MAIL_ATTACHMENT_URL_TTL, Duration.ofSeconds(30), Duration.ofDays(7)));
    }

    private static Path readable(Path p) {
        if (!java.nio.file.Files.isReadable(p)) throw new IllegalArgumentException("cannot read " + p);
        return p;
    }

    private Duration wholeSeconds(Setting s, int min, int max) {
        Duration d = durationIn(s, Duration.ofSeconds(min), Duration.ofSeconds(max));
        if (d.toMillis() % 1000 != 0) throw new ConfigException(s.key(), "must be whole seconds, got " + Durations.format(d));
        return d;
    }

    private <E extends Enum<E>> E choice(Setting s, Class<E> type) {
        return get(s, v -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(v)) return e;
            }
            throw new IllegalArgumentException("expected one of " + Arrays.stream(type.getEnumConstants())
                    .map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
        });
    }

    private EmailSettings email() {
        EmailSettings.Transport transport = choice(Settings.NOTIFICATION_TRANSPORT, EmailSettings.Transport.class);
        String host = get(Settings.SMTP_HOST, v -> {
            if (v.isEmpty()) throw new IllegalArgumentException("must not be empty");
            if (!v.matches("[A-Za-z0-9._:\\[\\]-]+")) throw new IllegalArgumentException("must be a host name or an IP address");
            return v;
        });
        int port = intIn(Settings.SMTP_PORT, 1, 65535);
        String username = get(Settings.SMTP_USERNAME, v -> {
            if (v.chars().anyMatch(Character::isISOControl)) throw new IllegalArgumentException("must not contain control characters");
            return v;
        });
        // Not trimmed: a password may end in a space. Checked without ever quoting it.
        String password = raw(Settings.SMTP_PASSWORD);
        if (password.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
            throw new ConfigException(Settings.SMTP_PASSWORD.key(), "invalid value (secret value): must not contain line breaks or NUL");
        }
        if (!username.isEmpty() && password.isEmpty()) {
            throw new ConfigException(Settings.SMTP_PASSWORD.key(), "is required when " + Settings.SMTP_USERNAME.key() + " is set");
        }
        if (username.isEmpty() && !password.isEmpty()) {
            throw new ConfigException(Settings.SMTP_USERNAME.key(), "is required when " + Settings.SMTP_PASSWORD.key() + " is set");
        }
        String from = get(Settings.SMTP_FROM, v -> {
            dev.herald.util.Addresses.parse(v);
            return v;
        });
        List<Duration> schedule = get(Settings.SMTP_RETRY_SCHEDULE, v -> {
            if (v.isEmpty()) return List.of();
            List<Duration> out = Arrays.stream(v.split(",")).map(String::trim).map(Durations::parse).toList();
            if (out.size() > 20) throw new IllegalArgumentException("at most 20 delays");
            for (Duration d : out) {
                if (d.compareTo(Duration.ofDays(7)) > 0) throw new IllegalArgumentException("each delay must be at most 7d");
            }
            return out;
        });
        List<String> admins = get(Settings.ADMIN_EMAILS, v -> Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty())
                .map(x -> dev.herald.util.Addresses.parse(x).address()).distinct().toList());
        return new EmailSettings(transport, host, port, username, password, from, choice(Settings.SMTP_TLS, EmailSettings.Tls.class),
                durationIn(Settings.SMTP_TIMEOUT, Duration.ofSeconds(1), Duration.ofSeconds(HeraldConfig.MAX_TIMEOUT_SECONDS)),
                intIn(Settings.SMTP_CONNECTIONS, 1, 64), schedule, admins);
    }

    /** Null when unset: Herald then uses http://HOST:PORT of the port the API actually bound. */
    private static String publicUrl(String v) {
        if (v.isEmpty()) return null;
        java.net.URI u;
        try {
            u = new java.net.URI(v);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
        if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("must be an http or https URL such as https://herald.example.com, got " + v);
        }
        return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) return a;
        if (b != null && !b.isBlank()) return b;
        return null;
    }
}
