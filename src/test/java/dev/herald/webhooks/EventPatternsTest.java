package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventPatternsTest {

    @ParameterizedTest(name = "''{0}'' matches ''{1}'': {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # ---- exact
            ticket.created   | ticket.created     | true
            ticket.created   | ticket.updated     | false
            ticket.created   | ticket.created.v2  | false
            ticket.created   | ticket             | false
            ticket.created   | Ticket.created     | false
            ticket           | ticket             | true
            ticket           | ticket.created     | false
            # ---- everything
            *                | ticket.created     | true
            *                | a                  | true
            *                | x.y.z              | true
            # ---- prefix
            ticket.*         | ticket.created     | true
            ticket.*         | ticket.a.b         | true
            ticket.*         | ticket.a.b.c.d     | true
            ticket.*         | ticket             | false
            ticketing.*      | ticket.created     | false
            ticket.*         | ticketing.x        | false
            ticket.*         | ticketx            | false
            ticket.*         | xticket.created    | false
            ticket.*         | support.ticket.created | false
            ticket.*         | Ticket.created     | false
            ticket.created.* | ticket.created.v2  | true
            ticket.created.* | ticket.created     | false
            ticket.created.* | ticket.creation.x  | false
            """)
    void patternsMatchExactlyWhatTheyShould(String pattern, String type, boolean expected) {
        assertThat(EventPatterns.matches(pattern, type)).isEqualTo(expected);
    }

    @Test
    void anyMatchingPatternIsEnough() {
        assertThat(EventPatterns.matchesAny(List.of("invoice.paid", "ticket.*"), "ticket.closed")).isTrue();
        assertThat(EventPatterns.matchesAny(List.of("invoice.paid", "ticket.*"), "invoice.paid")).isTrue();
        assertThat(EventPatterns.matchesAny(List.of("invoice.paid", "ticket.*"), "invoice.refunded")).isFalse();
        assertThat(EventPatterns.matchesAny(List.of(), "ticket.created")).isFalse();
        assertThat(EventPatterns.matchesAny(List.of("*"), "anything.at.all")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ticket", "ticket.created", "a.b.c.d", "Ticket.Created", "order_v2.line-item:added", "x", "1.2", "a-b", "ns:evt"})
    void validTypes(String type) {
        assertThat(EventPatterns.isValidType(type)).isTrue();
        assertThat(EventPatterns.isValidPattern(type)).as("a type is also an exact pattern").isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "ticket.", ".ticket", "ticket..created", "ticket created", "ticket/created", "ticket.*", "*",
        "tick\u00e9t", "ticket\n", " ticket", "ticket.created ", "a,b", "a;b"})
    void invalidTypes(String type) {
        assertThat(EventPatterns.isValidType(type)).isFalse();
    }

    @Test
    void typesAreAtMost200Characters() {
        assertThat(EventPatterns.MAX_TYPE_LENGTH).isEqualTo(200);
        assertThat(EventPatterns.isValidType("a".repeat(200))).isTrue();
        assertThat(EventPatterns.isValidType("a".repeat(201))).isFalse();
        assertThat(EventPatterns.isValidType("a.".repeat(99) + "ab")).isTrue();
        assertThat(EventPatterns.isValidType(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "ticket.*", "ticket.created.*", "ticket.created", "ticket", "a.b_c-d:e.*"})
    void validPatterns(String pattern) {
        assertThat(EventPatterns.isValidPattern(pattern)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".*", "*.*", "**", "ticket*", "ticket.**", "ticket.*.created", "*.created", "ticket.", "ticket..*",
        "ticket.* ", " *", "ticket.?", "ticket.[a-z]"})
    void invalidPatterns(String pattern) {
        assertThat(EventPatterns.isValidPattern(pattern)).isFalse();
    }

    @Test
    void nullIsNotAPattern() {
        assertThat(EventPatterns.isValidPattern(null)).isFalse();
    }
}
