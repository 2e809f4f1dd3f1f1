package dev.herald.mail;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The heap budget of inbound mail: messages are charged four times their size, one always fits, and what is given back can be taken again. */
class MailMemoryTest {
    @Test
    void aMessageIsDeferredWhenTheBudgetIsSpentAndTakenAgainOnceGivenBack() {
        MailMemory m = new MailMemory(1000);
        assertThat(m.take(200)).as("800 of 1000").isTrue();
        assertThat(m.take(100)).as("would be 1200").isFalse();
        assertThat(m.take(50)).as("1000 of 1000").isTrue();
        m.give(200);
        assertThat(m.take(100)).isTrue();
        m.give(100);
        m.give(50);
        assertThat(m.take(10_000)).as("on an empty budget one message always fits: the size limit decides").isTrue();
        assertThat(m.take(1)).isFalse();
        m.give(10_000);
        assertThat(m.take(1)).isTrue();
    }

    @Test
    void theDefaultBudgetIsHalfTheHeap() {
        assertThat(MailMemory.ofHeap().budget()).isEqualTo(Runtime.getRuntime().maxMemory() / 2);
    }
}
