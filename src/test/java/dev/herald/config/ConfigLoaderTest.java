package dev.herald.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        HeraldConfig c = ConfigLoader.load(Map.of(), Map.of());
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
        assertThat(c.databaseUrl()).isEqualTo("jdbc:sqlite:" + Path.of("data").toAbsolutePath().resolve("herald.db"));
        assertThat(c.sqliteSynchronous()).isEqualTo("FULL");
        assertThat(c.deliveryLease()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.disableAfterFailures()).isEqualTo(10);
        assertThat(c.outbound()).isEqualTo(HeraldConfig.OutboundSettings.strict());
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("herald.properties");
        Files.writeString(file, "HERALD_HTTP_PORT=7001\nHERALD_LOG_LEVEL=DEBUG\nHERALD_RETENTION=7d\n");
        Map<String, String> env = Map.of("HERALD_CONFIG_FILE", file.toString(), "HERALD_HTTP_PORT", "7002", "HERALD_LOG_LEVEL", "WARN");
        HeraldConfig c = ConfigLoader.load(Map.of("HERALD_HTTP_PORT", "7003"), env);
        assertThat(c.httpPort()).isEqualTo(7003);
        assertThat(c.logLevel()).isEqualTo("WARN");
        assertThat(c.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(c.deliveryConcurrency()).isEqualTo(256);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"HERALD_HTTP_PORT, abc", "HERALD_HTTP_PORT, 70000", "HERALD_DELIVERY_LEASE, 30s", "HERALD_DELIVERY_LEASE, soon",
        "SECURITY_OUTBOUND_ALLOW_HTTP, maybe", "HERALD_SQLITE_SYNCHRONOUS, FAST", "HERALD_RETENTION, 10m", "SECURITY_OUTBOUND_ALLOWED_HOSTS, 10.0.0.0/99",
        "HERALD_DATABASE_URL, mysql://db/x", "HERALD_MAX_RESPONSE_SIZE_BYTES, 10", "SECURITY_OUTBOUND_ALLOWED_HOSTS, a b"})
    void invalidValuesStopStartupNamingTheKey(String key, String value) {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of(key, value)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo(key));
    }

    @Test
    void conflictsAndUnknownKeysAreRejected(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("HERALD_DELIVERY_CONCURRENCY", "10", "HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY", "20")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_DELIVERY_PER_WEBHOOK_CONCURRENCY"));
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "HERALD_HTTP_PROT=1\n");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of("HERALD_CONFIG_FILE", file.toString()), Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.key()).isEqualTo("HERALD_HTTP_PROT"));
    }

    @Test
    void theMasterKeyNeverAppearsInTheConfigsText() {
        String key = java.util.Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'Q');
        assertThat(ConfigLoader.load(Map.of(), Map.of("HERALD_MASTER_KEY", key)).toString()).doesNotContain(key).contains("(set)");
    }
}
