package dev.herald.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The NOTIFICATION_* settings and HERALD_ADMIN_EMAILS: documented defaults, validation naming the key, a password never echoed. */
class EmailSettingsTest {
    static HeraldConfig env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) env.put(keyValues[i], keyValues[i + 1]);
        return ConfigLoader.load(Map.of(), env);
    }

    @Test
    void defaultsSuitMailpitOnLocalhostAndEmailIsOff() {
        HeraldConfig c = env();
        EmailSettings e = c.email();
        assertThat(e).isEqualTo(EmailSettings.defaults());
        assertThat(e.enabled()).isFalse();
        assertThat(e.host()).isEqualTo("localhost");
        assertThat(e.port()).isEqualTo(1025);
        assertThat(e.tls()).isEqualTo(EmailSettings.Tls.NONE);
        assertThat(e.hasAuth()).isFalse();
        assertThat(e.from()).isEqualTo("Herald <herald@localhost>");
        assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(e.connections()).isEqualTo(4);
        assertThat(e.retrySchedule()).hasSize(6).startsWith(Duration.ofSeconds(5)).endsWith(Duration.ofHours(2));
        assertThat(e.adminEmails()).isEmpty();
        assertThat(c.defaultWebhookTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void everyValueIsRead() {
        EmailSettings e = env("NOTIFICATION_TRANSPORT", "SMTP", "NOTIFICATION_SMTP_HOST", "smtp.example.com", "NOTIFICATION_SMTP_PORT", "587",
                "NOTIFICATION_SMTP_USERNAME", "apikey", "NOTIFICATION_SMTP_PASSWORD", " pass word ", "NOTIFICATION_SMTP_FROM", "Wipe <no-reply@wipe.example>",
                "NOTIFICATION_SMTP_TLS", "starttls", "NOTIFICATION_SMTP_TIMEOUT", "15s", "NOTIFICATION_SMTP_CONNECTIONS", "8",
                "NOTIFICATION_SMTP_RETRY_SCHEDULE", "1m, 10m", "HERALD_ADMIN_EMAILS", "ops@example.com, Jane <JANE@Example.com>").email();
        assertThat(e.enabled()).isTrue();
        assertThat(e.host()).isEqualTo("smtp.example.com");
        assertThat(e.port()).isEqualTo(587);
        assertThat(e.username()).isEqualTo("apikey");
        assertThat(e.password()).isEqualTo(" pass word ");
        assertThat(e.tls()).isEqualTo(EmailSettings.Tls.STARTTLS);
        assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(e.connections()).isEqualTo(8);
        assertThat(e.retrySchedule()).containsExactly(Duration.ofMinutes(1), Duration.ofMinutes(10));
        assertThat(e.adminEmails()).containsExactly("ops@example.com", "JANE@example.com");
        assertThat(env("NOTIFICATION_SMTP_RETRY_SCHEDULE", "").email().retrySchedule()).isEmpty();
        assertThat(env("NOTIFICATION_HTTP_TIMEOUT", "45s").defaultWebhookTimeout()).isEqualTo(Duration.ofSeconds(45));
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "NOTIFICATION_TRANSPORT|webhook",
        "NOTIFICATION_SMTP_HOST|''",
        "NOTIFICATION_SMTP_HOST|mail host",
        "NOTIFICATION_SMTP_PORT|0",
        "NOTIFICATION_SMTP_PORT|70000",
        "NOTIFICATION_SMTP_TLS|ssl",
        "NOTIFICATION_SMTP_TIMEOUT|0s",
        "NOTIFICATION_SMTP_TIMEOUT|2m",
        "NOTIFICATION_SMTP_CONNECTIONS|0",
        "NOTIFICATION_SMTP_FROM|not an address",
        "NOTIFICATION_SMTP_FROM|''",
        "NOTIFICATION_SMTP_RETRY_SCHEDULE|5s,soon",
        "NOTIFICATION_SMTP_RETRY_SCHEDULE|8d",
        "NOTIFICATION_HTTP_TIMEOUT|1500ms",
        "NOTIFICATION_HTTP_TIMEOUT|90s",
        "HERALD_ADMIN_EMAILS|ops@example.com,nobody",
    })
    void invalidValuesStopStartupNamingTheKey(String key, String value) {
        assertThatThrownBy(() -> env(key, value)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key));
    }

    @Test
    void aHeaderInjectionInTheSenderIsRefused() {
        assertThatThrownBy(() -> env("NOTIFICATION_SMTP_FROM", "a@example.com\r\nBcc: evil@example.com"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("NOTIFICATION_SMTP_FROM").hasMessageContaining("line break");
    }

    @Test
    void aUserNameAndAPasswordComeTogether() {
        assertThatThrownBy(() -> env("NOTIFICATION_SMTP_USERNAME", "u")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("NOTIFICATION_SMTP_PASSWORD");
        assertThatThrownBy(() -> env("NOTIFICATION_SMTP_PASSWORD", "p-SECRET")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("NOTIFICATION_SMTP_USERNAME").hasMessageNotContaining("p-SECRET");
    }

    @Test
    void thePasswordIsNeverEchoed() {
        assertThatThrownBy(() -> env("NOTIFICATION_SMTP_USERNAME", "u", "NOTIFICATION_SMTP_PASSWORD", "line\nbreak-SECRET"))
                .isInstanceOf(ConfigException.class).hasMessageNotContaining("break-SECRET");
        HeraldConfig c = env("NOTIFICATION_TRANSPORT", "smtp", "NOTIFICATION_SMTP_USERNAME", "u", "NOTIFICATION_SMTP_PASSWORD", "hunter2-SECRET");
        assertThat(c.toString()).doesNotContain("hunter2-SECRET").contains("password=(set)").contains("transport=smtp");
        assertThat(c.email().toString()).doesNotContain("hunter2-SECRET");
    }

    @Test
    void everyEmailSettingIsKnown() {
        List<String> keys = Settings.ALL.stream().map(Setting::key).toList();
        assertThat(keys).contains("NOTIFICATION_TRANSPORT", "NOTIFICATION_HTTP_TIMEOUT", "NOTIFICATION_SMTP_HOST", "NOTIFICATION_SMTP_PORT",
                "NOTIFICATION_SMTP_USERNAME", "NOTIFICATION_SMTP_PASSWORD", "NOTIFICATION_SMTP_FROM", "NOTIFICATION_SMTP_TLS",
                "NOTIFICATION_SMTP_TIMEOUT", "HERALD_ADMIN_EMAILS");
        assertThat(Settings.SMTP_PASSWORD.secret()).isTrue();
    }
}
