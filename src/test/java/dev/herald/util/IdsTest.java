package dev.herald.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** UUIDv7 ids sort in the order they were made, also within one millisecond (lists "newest first" rely on it). */
class IdsTest {
    @Test
    void idsMadeInOneMillisecondIncreaseInTheOrderTheyAreMade() {
        long ms = 1_767_225_600_000L;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 2000; i++) ids.add(Ids.uuid7(ms));
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(ids).allSatisfy(id -> {
            assertThat(Ids.isUuid(id)).isTrue();
            assertThat(UUID.fromString(id).version()).isEqualTo(7);
            assertThat(UUID.fromString(id).getMostSignificantBits() >>> 16).isEqualTo(ms);
        });
        String next = Ids.uuid7(ms + 1);
        assertThat(next).isGreaterThan(ids.get(ids.size() - 1)).isGreaterThanOrEqualTo(Ids.uuid7Floor(ms + 1));
        assertThat(Ids.uuid7Floor(ms)).isLessThan(ids.get(0));
    }

    @Test
    void aSpentSequenceStillGivesValidIdsOfThatMillisecond() {
        long ms = 1_767_225_700_000L;
        for (int i = 0; i < 5000; i++) {
            String id = Ids.uuid7(ms);
            assertThat(UUID.fromString(id).getMostSignificantBits() >>> 16).isEqualTo(ms);
            assertThat(UUID.fromString(id).variant()).isEqualTo(2);
        }
    }
}
