package dev.herald.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    static final Path DEFAULT_DATA_DIR = Path.of("data").toAbsolutePath().normalize();

    static HeraldConfig env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) env.put(keyValues[i], keyValues[i + 1]);
        return ConfigLoader.load(Map.of(), env);
    }

    static Path propertiesFile(Path dir, String content) throws Exception {
        Path file = dir.resolve("herald.properties");
        Files.writeString(file, content);
        return file;
    }

    // ---- defaults

    @Test
    void defaultsAreTheDocumentedOnes() {
        HeraldConfig c = ConfigLoader.load(Map.of(), Map.of());
        assertThat(c.httpHost()).isEqualTo("0.0.0.0");
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.dataDir()).isEqualTo(DEFAULT_DATA_DIR).isAbsolute();
        assertThat(c.databaseUrl()).isEqualTo("jdbc:sqlite:" + DEFAULT_DATA_DIR.resolve("herald.db"));
        assertThat(c.isSqlite()).isTrue();
        assertThat(c.databasePoolSize()).isEqualTo(8);
        assertThat(c.sqliteSynchronous()).isEqualTo("FULL");
        assertThat(c.masterKey()).isEmpty();
        assertThat(c.logLevel()).isEqualTo("INFO");
        assertThat(c.maxEventSizeBytes()).isEqualTo(1_048_576);
        assertThat(c.idempotencyTtl()).isEqualTo(Duration.ofHours(24));
        assertThat(c.deliveryConcurrency()).isEqualTo(256);
        assertThat(c.perWebhookConcurrency()).isEqualTo(32);
        assertThat(c.deliveryLease()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.pollInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.workerDeadAfter()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.deliveryBatchSize()).isEqualTo(256);
        assertThat(c.disableAfterFailures()).isEqualTo(10);
        assertThat(c.retryAfterMax()).isEqualTo(Duration.ofHours(1));
        assertThat(c.secretRotationGrace()).isEqualTo(Duration.ofHours(24));
        assertThat(c.maxResponseSizeBytes()).isEqualTo(10_485_760L);
        assertThat(c.retention()).isEqualTo(Duration.ofDays(30));
        assertThat(c.outbound()).isEqualTo(HeraldConfig.OutboundSettings.strict());
    }

    @Test
    void aRelativeDataDirIsMadeAbsoluteAndHoldsTheDatabase() {
        HeraldConfig c = env("HERALD_DATA_DIR", "some/../var/herald");
        Path expected = Path.of("var/herald").toAbsolutePath().normalize();
        assertThat(c.dataDir()).isEqualTo(expected);
        assertThat(c.databaseUrl()).isEqualTo("jdbc:sqlite:" + expected.resolve("herald.db"));
    }

    @Test
    void anAbsoluteDataDirIsKept(@TempDir Path dir) {
        HeraldConfig c = env("HERALD_DATA_DIR", dir.toString());
        assertThat(c.dataDir()).isEqualTo(dir.toAbsolutePath().normalize());
        assertThat(c.databaseUrl()).isEqualTo("jdbc:sqlite:" + dir.toAbsolutePath().normalize().resolve("herald.db"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "jdbc:sqlite:/srv/herald/h.db, jdbc:sqlite:/srv/herald/h.db",
        "sqlite:/srv/herald/h.db, jdbc:sqlite:/srv/herald/h.db",
        "/srv/herald/h.db, jdbc:sqlite:/srv/herald/h.db",
        "/srv/herald/../h.db, jdbc:sqlite:/srv/h.db",
    })
    void databaseSettingsBecomeSqliteJdbcUrls(String value, String url) {
        assertThat(env("HERALD_DATABASE_URL", value).databaseUrl()).isEqualTo(url);
    }

    @Test
    void aPostgresUrlInLibpqFormBecomesAJdbcUrlAndCredentials() {
        HeraldConfig c = env("HERALD_DATABASE_URL", "postgresql://herald:p%40ss%3Aword@db.example.com:5433/herald?sslmode=require");
        assertThat(c.isPostgres()).isTrue();
        assertThat(c.isSqlite()).isFalse();
        assertThat(c.databaseUrl()).isEqualTo("jdbc:postgresql://db.example.com:5433/herald?sslmode=require");
        assertThat(c.databaseUser()).isEqualTo("herald");
        assertThat(c.databasePassword()).isEqualTo("p@ss:word");
        assertThat(c.toString()).doesNotContain("p@ss").doesNotContain("sslmode").contains("jdbc:postgresql://herald@db.example.com:5433/herald");
        assertThat(env("HERALD_DATABASE_URL", "postgres://db/h").databaseUrl()).isEqualTo("jdbc:postgresql://db/h");
        assertThat(env("HERALD_DATABASE_URL", "postgres://db/h").databaseUser()).isNull();
    }

    @Test
    void aJdbcPostgresUrlIsKeptAsItIsAndTheSeparatePasswordWins() {
        HeraldConfig c = env("HERALD_DATABASE_URL", "jdbc:postgresql://db:5432/herald?user=h&password=Hunter2Secret");
        assertThat(c.databaseUrl()).isEqualTo("jdbc:postgresql://db:5432/herald?user=h&password=Hunter2Secret");
        assertThat(c.toString()).doesNotContain("Hunter2Secret");
        HeraldConfig d = env("HERALD_DATABASE_URL", "postgresql://h:fromurl@db/herald", "HERALD_DATABASE_PASSWORD", "fromsetting");
        assertThat(d.databasePassword()).isEqualTo("fromsetting");
        assertThat(d.toString()).doesNotContain("fromsetting").doesNotContain("fromurl");
    }

    @Test
    void aRelativeDatabasePathIsMadeAbsolute() {
        assertThat(env("HERALD_DATABASE_URL", "db/h.db").databaseUrl()).isEqualTo("jdbc:sqlite:" + Path.of("db/h.db").toAbsolutePath().normalize());
    }

    @Test
    void enumeratedValuesAreCaseInsensitiveAndNormalised() {
        HeraldConfig c = env("HERALD_SQLITE_SYNCHRONOUS", "normal", "HERALD_LOG_LEVEL", "debug");
        assertThat(c.sqliteSynchronous()).isEqualTo("NORMAL");
        assertThat(c.logLevel()).isEqualTo("DEBUG");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"true, true", "TRUE, true", "1, true", "yes, true", "on, true", "false, false", "0, false", "no, false", "Off, false", "' true ', true"})
    void booleansAcceptTheUsualSpellings(String value, boolean expected) {
        HeraldConfig c = env("SECURITY_OUTBOUND_ALLOW_HTTP", value, "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", value);
        assertThat(c.outbound().allowHttp()).isEqualTo(expected);
        assertThat(c.outbound().allowPrivateNetworks()).isEqualTo(expected);
    }

    @Test
    void theAllowListIsSplitTrimmedAndLowerCased() {
        HeraldConfig c = env("SECURITY_OUTBOUND_ALLOWED_HOSTS", " Hooks.Corp.Internal , 10.20.0.0/16,,db.internal:8443 ,");
        assertThat(c.outbound().allowedHosts()).containsExactly("hooks.corp.internal", "10.20.0.0/16", "db.internal:8443");
    }

    @Test
    void valuesAtTheLimitsAreAccepted() {
        HeraldConfig c = env("HERALD_HTTP_PORT", "0", "HERALD_DELIVERY_LEASE", "65s", "HERALD_DELIVERY_CONCURRENCY", "8",
                "HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", "8", "HERALD_RETENTION", "0s", "HERALD_MAX_RESPONSE_SIZE_BYTES", "4096");
        assertThat(c.httpPort()).isZero();
        assertThat(c.deliveryLease()).isEqualTo(Duration.ofSeconds(65));
        assertThat(c.deliveryConcurrency()).isEqualTo(8);
        assertThat(c.perWebhookConcurrency()).isEqualTo(8);
        assertThat(c.retention()).isZero();
        assertThat(c.maxResponseSizeBytes()).isEqualTo(4096);
        assertThat(env("HERALD_HTTP_PORT", "65535", "HERALD_RETENTION", "1h").httpPort()).isEqualTo(65535);
    }

    // ---- precedence: flag > environment > file > default

    @Test
    void aFlagBeatsTheEnvironment() {
        HeraldConfig c = ConfigLoader.load(Map.of("HERALD_HTTP_PORT", "7003"), Map.of("HERALD_HTTP_PORT", "7002"));
        assertThat(c.httpPort()).isEqualTo(7003);
    }

    @Test
    void theEnvironmentBeatsTheFile(@TempDir Path dir) throws Exception {
        Path file = propertiesFile(dir, "HERALD_HTTP_PORT=7001\n");
        HeraldConfig c = ConfigLoader.load(Map.of(), Map.of("HERALD_CONFIG_FILE", file.toString(), "HERALD_HTTP_PORT", "7002"));
        assertThat(c.httpPort()).isEqualTo(7002);
    }

    @Test
    void theFileBeatsTheDefault(@TempDir Path dir) throws Exception {
        Path file = propertiesFile(dir, "# comment\nHERALD_HTTP_PORT = 7001\nHERALD_RETENTION=7d\nHERALD_LOG_LEVEL=warn\n");
        HeraldConfig c = ConfigLoader.load(Map.of(), Map.of("HERALD_CONFIG_FILE", file.toString()));
        assertThat(c.httpPort()).isEqualTo(7001);
        assertThat(c.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(c.logLevel()).isEqualTo("WARN");
        assertThat(c.deliveryConcurrency()).isEqualTo(256);
    }

    @Test
    void allFourLayersTogether(@TempDir Path dir) throws Exception {
        Path file = propertiesFile(dir, "HERALD_HTTP_PORT=7001\nHERALD_LOG_LEVEL=DEBUG\nHERALD_RETENTION=7d\n");
        Map<String, String> env = Map.of("HERALD_CONFIG_FILE", file.toString(), "HERALD_HTTP_PORT", "7002", "HERALD_LOG_LEVEL", "WARN");
        HeraldConfig c = ConfigLoader.load(Map.of("HERALD_HTTP_PORT", "7003"), env);
        assertThat(c.httpPort()).isEqualTo(7003);
        assertThat(c.logLevel()).isEqualTo("WARN");
        assertThat(c.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(c.deliveryConcurrency()).isEqualTo(256);
    }

    @Test
    void theFileNamedByAFlagBeatsTheFileNamedInTheEnvironment(@TempDir Path dir) throws Exception {
        Path fromFlag = dir.resolve("flag.properties");
        Files.writeString(fromFlag, "HERALD_HTTP_PORT=7101\n");
        Path fromEnv = dir.resolve("env.properties");
        Files.writeString(fromEnv, "HERALD_HTTP_PORT=7102\n");
        HeraldConfig c = ConfigLoader.load(Map.of("HERALD_CONFIG_FILE", fromFlag.toString()), Map.of("HERALD_CONFIG_FILE", fromEnv.toString()));
        assertThat(c.httpPort()).isEqualTo(7101);
    }

    // ---- invalid values stop startup, naming the key

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            HERALD_HTTP_PORT                        | abc
            HERALD_HTTP_PORT                        | 70000
            HERALD_HTTP_PORT                        | 65536
            HERALD_HTTP_PORT                        | -1
            HERALD_HTTP_PORT                        | 8080.5
            HERALD_HTTP_HOST                        | ' '
            HERALD_DATA_DIR                         | ' '
            HERALD_DELIVERY_LEASE                   | 30s
            HERALD_DELIVERY_LEASE                   | 60s
            HERALD_DELIVERY_LEASE                   | 64s
            HERALD_DELIVERY_LEASE                   | 2h
            HERALD_DELIVERY_LEASE                   | soon
            HERALD_DELIVERY_LEASE                   | 90
            HERALD_DELIVERY_CONCURRENCY             | 0
            HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY | 0
            HERALD_DELIVERY_POLL_INTERVAL           | 5ms
            HERALD_WORKER_DEAD_AFTER                | 1s
            HERALD_DELIVERY_BATCH_SIZE              | 0
            HERALD_DATABASE_POOL_SIZE               | 0
            HERALD_MAX_EVENT_SIZE_BYTES             | 1023
            HERALD_IDEMPOTENCY_TTL                  | 30s
            HERALD_WEBHOOK_DISABLE_AFTER_FAILURES   | -1
            HERALD_RETRY_AFTER_MAX                  | 2d
            HERALD_SECRET_ROTATION_GRACE            | 8d
            SECURITY_OUTBOUND_ALLOW_HTTP            | maybe
            SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS | sure
            HERALD_SQLITE_SYNCHRONOUS               | FAST
            HERALD_LOG_LEVEL                        | LOUD
            HERALD_RETENTION                        | 10m
            HERALD_RETENTION                        | forever
            SECURITY_OUTBOUND_ALLOWED_HOSTS         | 10.0.0.0/99
            SECURITY_OUTBOUND_ALLOWED_HOSTS         | a b
            SECURITY_OUTBOUND_ALLOWED_HOSTS         | ok.example.com,bad host
            HERALD_DATABASE_URL                     | mysql://db/x
            HERALD_DATABASE_URL                     | postgresql://db.example.com
            HERALD_DATABASE_URL                     | postgresql://db.example.com/
            HERALD_WORKER_HTTP_PORT                 | 70000
            HERALD_SQLITE_PAGE_SIZE                 | 1000
            HERALD_SQLITE_PAGE_SIZE                 | 256
            HERALD_MAX_RESPONSE_SIZE_BYTES          | 10
            HERALD_MAX_RESPONSE_SIZE_BYTES          | lots
            HERALD_PUBLIC_URL                       | herald.example.com
            HERALD_PUBLIC_URL                       | ftp://herald.example.com
            HERALD_PUBLIC_URL                       | https://herald.example.com/?x=1
            SECURITY_OUTBOUND_CA_FILE               | /nonexistent/ca.pem
            """)
    void invalidValuesStopStartupNamingTheKey(String key, String value) {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of(key, value)))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.getMessage()).startsWith(key + ": ");
                });
    }

    @Test
    void thePublicUrlLosesATrailingSlash() {
        assertThat(env("HERALD_PUBLIC_URL", "https://herald.example.com/base/").publicUrl()).isEqualTo("https://herald.example.com/base");
        assertThat(ConfigLoader.load(Map.of(), Map.of()).publicUrl()).as("unset: Herald derives it from the port it binds").isNull();
    }

    @Test
    void invalidValuesInTheFileAndInFlagsNameTheKeyToo(@TempDir Path dir) throws Exception {
        Path file = propertiesFile(dir, "HERALD_HTTP_PORT=abc\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("HERALD_CONFIG_FILE", file.toString())))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_HTTP_PORT"));
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("HERALD_DELIVERY_LEASE", "30s"), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_DELIVERY_LEASE"));
    }

    @Test
    void theLeaseMustOutlastTheLongestRequestTimeout() {
        assertThatThrownBy(() -> env("HERALD_DELIVERY_LEASE", "30s"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_DELIVERY_LEASE"))
                .hasMessageContaining(HeraldConfig.MAX_TIMEOUT_SECONDS + "s");
        assertThat(env("HERALD_DELIVERY_LEASE", "2m").deliveryLease()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void perWebhookConcurrencyCannotExceedTheGlobalLimit() {
        assertThatThrownBy(() -> env("HERALD_DELIVERY_CONCURRENCY", "10", "HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", "20"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY"))
                .hasMessageContaining("HERALD_DELIVERY_CONCURRENCY");
        HeraldConfig c = env("HERALD_DELIVERY_CONCURRENCY", "20", "HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", "10");
        assertThat(c.perWebhookConcurrency()).isEqualTo(10);
    }

    @Test
    void anUnknownKeyInTheFileIsRejectedByName(@TempDir Path dir) throws Exception {
        Path file = propertiesFile(dir, "HERALD_HTTP_PORT=9090\nHERALD_HTTP_PROT=1\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("HERALD_CONFIG_FILE", file.toString()), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_HTTP_PROT"));
    }

    @Test
    void anUnknownFlagIsRejectedButUnrelatedEnvironmentVariablesAreIgnored() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("HERALD_NOPE", "1"), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_NOPE"));
        assertThat(ConfigLoader.load(Map.of(), Map.of("PATH", "/usr/bin", "HOME", "/root")).httpPort()).isEqualTo(8080);
    }

    @Test
    void aMissingConfigFileNamesTheConfigFileSetting(@TempDir Path dir) {
        String missing = dir.resolve("nope.properties").toString();
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("HERALD_CONFIG_FILE", missing)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_CONFIG_FILE"));
    }

    // ---- secrets never reach text

    static final String MASTER_KEY = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

    @Test
    void theMasterKeyNeverAppearsInTheConfigsText() {
        HeraldConfig c = env("HERALD_MASTER_KEY", MASTER_KEY);
        assertThat(c.masterKey()).isEqualTo(MASTER_KEY);
        assertThat(c.toString()).doesNotContain(MASTER_KEY).doesNotContain(MASTER_KEY.substring(0, 12)).contains("masterKey=(set)");
        assertThat(env().toString()).contains("masterKey=(key file)");
    }

    @Test
    void theMasterKeyFromTheFileNeverAppearsInTheConfigsText(@TempDir Path dir) throws Exception {
        Path file = propertiesFile(dir, "HERALD_MASTER_KEY=" + MASTER_KEY + "\n");
        HeraldConfig c = ConfigLoader.load(Map.of(), Map.of("HERALD_CONFIG_FILE", file.toString()));
        assertThat(c.masterKey()).isEqualTo(MASTER_KEY);
        assertThat(c.toString()).doesNotContain(MASTER_KEY);
    }

    @Test
    void aRejectedDatabaseUrlIsNotEchoedInTheError() {
        assertThatThrownBy(() -> env("HERALD_DATABASE_URL", "postgresql://herald:Hunter2Secret@/herald"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_DATABASE_URL"))
                .message().doesNotContain("Hunter2Secret");
    }

    /** docs/security.md: "Configuration printing masks the master key and database credentials." */
    @Test
    void aDatabasePasswordNeverAppearsInTheConfigsText() {
        HeraldConfig c = env("HERALD_DATABASE_URL", "jdbc:sqlite:/srv/herald/herald.db?password=Hunter2Secret");
        assertThat(c.isSqlite()).isTrue();
        assertThat(c.toString()).doesNotContain("Hunter2Secret");
    }

    @Test
    void toStringShowsTheNonSecretSettings() {
        HeraldConfig c = env("HERALD_HTTP_PORT", "9191", "SECURITY_OUTBOUND_ALLOWED_HOSTS", "hooks.internal");
        assertThat(c.toString()).contains("9191").contains("lease=90s").contains("hooks.internal").contains(c.dataDir().toString());
        assertThat(c.outbound().allowedHosts()).isEqualTo(List.of("hooks.internal"));
    }

    // ---- further cases

    @Test
    void aFlagBeatsTheFileWhenTheEnvironmentIsSilent(@TempDir Path dir) throws Exception {
        Path file = propertiesFile(dir, "HERALD_HTTP_PORT=7001\nHERALD_LOG_LEVEL=ERROR\n");
        HeraldConfig c = ConfigLoader.load(Map.of("HERALD_HTTP_PORT", "7003"), Map.of("HERALD_CONFIG_FILE", file.toString()));
        assertThat(c.httpPort()).isEqualTo(7003);
        assertThat(c.logLevel()).isEqualTo("ERROR");
    }

    @Test
    void aDataDirFromTheFileHoldsTheDefaultDatabase(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("state");
        Path file = propertiesFile(dir, "HERALD_DATA_DIR=" + data.toString().replace("\\", "\\\\") + "\n");
        HeraldConfig c = ConfigLoader.load(Map.of(), Map.of("HERALD_CONFIG_FILE", file.toString()));
        assertThat(c.dataDir()).isEqualTo(data.toAbsolutePath().normalize());
        assertThat(c.databaseUrl()).isEqualTo("jdbc:sqlite:" + data.toAbsolutePath().normalize().resolve("herald.db"));
    }

    @Test
    void anUnsetPerWebhookLimitFollowsASmallerGlobalLimit() {
        assertThat(env("HERALD_DELIVERY_CONCURRENCY", "8").perWebhookConcurrency()).isEqualTo(8);
        assertThat(env("HERALD_DELIVERY_CONCURRENCY", "1").perWebhookConcurrency()).isEqualTo(1);
        assertThat(env("HERALD_DELIVERY_CONCURRENCY", "1000").perWebhookConcurrency()).isEqualTo(32);
    }

    @Test
    void anExplicitPerWebhookLimitAboveTheGlobalOneIsAnErrorFromEveryLayer(@TempDir Path dir) throws Exception {
        Path file = propertiesFile(dir, "HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY=32\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("HERALD_CONFIG_FILE", file.toString(), "HERALD_DELIVERY_CONCURRENCY", "16")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY"));
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", "17"), Map.of("HERALD_DELIVERY_CONCURRENCY", "16")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY"));
        assertThat(ConfigLoader.load(Map.of("HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", "16"), Map.of("HERALD_DELIVERY_CONCURRENCY", "16"))
                .perWebhookConcurrency()).isEqualTo(16);
    }

    @Test
    void theErrorForAnInvalidValueQuotesItSoTheUserSeesWhatWasRead() {
        assertThatThrownBy(() -> env("HERALD_HTTP_PORT", "abc")).hasMessageContaining("'abc'");
        assertThatThrownBy(() -> env("HERALD_HTTP_PORT", "70000")).hasMessageContaining("70000").hasMessageContaining("65535");
        assertThatThrownBy(() -> env("SECURITY_OUTBOUND_ALLOW_HTTP", "maybe")).hasMessageContaining("'maybe'");
    }

    @Test
    void aMasterKeyGivenAsAFlagIsTrimmedAndHidden() {
        HeraldConfig c = ConfigLoader.load(Map.of("HERALD_MASTER_KEY", "  " + MASTER_KEY + "\n"), Map.of("HERALD_MASTER_KEY", "ignored"));
        assertThat(c.masterKey()).isEqualTo(MASTER_KEY);
        assertThat(c.toString()).doesNotContain(MASTER_KEY).doesNotContain("ignored");
    }

    /**
     * Setting.parse shows "(secret value)" instead of a secret setting's raw text, but then appends the
     * parser's exception message, which can quote the raw text: for HERALD_DATABASE_URL a plain path is
     * passed to Path.of, whose InvalidPathException message contains the whole input. (A NUL can reach
     * the loader through a flag or a backslash-u0000 escape in the properties file.)
     */
    @Test
    void aSecretSettingsValueIsNeverEchoedInItsError() {
        String value = "/srv/Hunter2Secret\u0000.db";
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("HERALD_DATABASE_URL", value), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_DATABASE_URL"))
                .message().contains("(secret value)").doesNotContain("Hunter2Secret");
    }
}
