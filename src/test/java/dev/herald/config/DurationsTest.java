package dev.herald.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({
        "0ms, 0", "0s, 0", "0d, 0", "1ms, 1", "500ms, 500", "1s, 1000", "5s, 5000", "90s, 90000", "1m, 60000", "30m, 1800000",
        "2h, 7200000", "24h, 86400000", "1d, 86400000", "7d, 604800000", "' 5s ', 5000", "007s, 7000",
        "999999999ms, 999999999", "999999999d, 86399999913600000",
    })
    void parsesANumberAndAUnit(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", " ", "5", "s", "ms", "5 s", "5S", "5Ms", "-5s", "+5s", "1.5s", "5sec", "5secs", "5w", "5y", "1h30m",
        "1000000000s", "0x10s", "five s", "5s5", "PT5S"})
    void rejectsAnythingElseWithAHelpfulMessage(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + text + "'").hasMessageContaining("ms, s, m, h or d");
    }

    @Test
    void nullIsRejected() {
        assertThatThrownBy(() -> Durations.parse(null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("30s");
    }

    @ParameterizedTest(name = "{0} ms -> {1}")
    @CsvSource({
        "0, 0s", "1, 1ms", "999, 999ms", "1000, 1s", "1500, 1500ms", "59000, 59s", "60000, 1m", "90000, 90s", "120000, 2m",
        "3600000, 1h", "5400000, 90m", "7200000, 2h", "86400000, 1d", "90000000, 25h", "129600000, 36h", "172800000, 2d",
        "604800000, 7d", "86401000, 86401s",
    })
    void formatsTheShortestExactForm(long millis, String text) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 7, 999, 1000, 1001, 59_999, 60_000, 61_000, 3_599_000, 3_600_000, 86_399_999, 86_400_000, 90_061_001, 604_800_000})
    void formatThenParseGivesTheSameDuration(long millis) {
        Duration d = Duration.ofMillis(millis);
        assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"120s, 2m", "60m, 1h", "24h, 1d", "1000ms, 1s", "90s, 90s", "7d, 7d", "0ms, 0s", "48h, 2d", "36h, 36h"})
    void parseThenFormatGivesTheCanonicalForm(String text, String canonical) {
        assertThat(Durations.format(Durations.parse(text))).isEqualTo(canonical);
        assertThat(Durations.parse(canonical)).isEqualTo(Durations.parse(text));
    }
}
