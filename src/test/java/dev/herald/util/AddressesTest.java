package dev.herald.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressesTest {
    @Test
    void bareAndNamedAddresses() {
        assertThat(Addresses.parse("a@example.com")).isEqualTo(new Addresses.Mailbox("a@example.com", null));
        assertThat(Addresses.parse("  Zoë Ü <z@Example.COM> ")).isEqualTo(new Addresses.Mailbox("z@example.com", "Zoë Ü"));
        assertThat(Addresses.parse("\"Doe, Jane\" <jane@example.com>").name()).isEqualTo("Doe, Jane");
        assertThat(Addresses.of("j@bücher.example", "Jürgen").address()).isEqualTo("j@xn--bcher-kva.example");
        assertThat(Addresses.of("x@[192.0.2.1]", null).domain()).isEqualTo("[192.0.2.1]");
        assertThat(Addresses.of("a@example.com", "  ").name()).isNull();
    }

    @Test
    void aNonAsciiNameIsEncodedInTheHeaderForm() {
        assertThat(Addresses.of("z@example.com", "Zoë").internet().toString()).isEqualTo("=?UTF-8?Q?Zo=C3=AB?= <z@example.com>");
        assertThat(Addresses.of("j@example.com", "Doe, Jane").internet().toString()).isEqualTo("\"Doe, Jane\" <j@example.com>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "plain", "@example.com", "a@", "a@@example.com", "a b@example.com", "josé@example.com", "a@exa mple.com",
        "a@.example.com", "a@example..com", "a@example.com, b@example.com", "group: a@example.com;", "a@example.com\r\nBcc: b@example.com",
        "a@example.com\nX: y", "Name\r\n <a@example.com>", "a\u0000@example.com"})
    void refused(String text) {
        assertThatThrownBy(() -> Addresses.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRecipientNeedsADottedDomainNameNotAnAddressLiteral() {
        assertThat(Addresses.recipient(Addresses.parse("a@example.com")).address()).isEqualTo("a@example.com");
        assertThat(Addresses.recipient(Addresses.of("j@bücher.example", null)).address()).isEqualTo("j@xn--bcher-kva.example");
        assertThatThrownBy(() -> Addresses.recipient(Addresses.parse("a@b"))).hasMessageContaining("has no dot");
        assertThatThrownBy(() -> Addresses.recipient(Addresses.parse("a@localhost"))).hasMessageContaining("has no dot");
        assertThatThrownBy(() -> Addresses.recipient(Addresses.of("a@[127.0.0.1]", null))).hasMessageContaining("address literals");
        assertThatThrownBy(() -> Addresses.recipient(Addresses.of("a@[IPv6:::1]", null))).hasMessageContaining("address literals");
    }

    @Test
    void namesWithLineBreaksOrControlsAreRefused() {
        assertThatThrownBy(() -> Addresses.of("a@example.com", "Eve\r\nBcc: x@example.com")).hasMessageContaining("line break");
        assertThatThrownBy(() -> Addresses.of("a@example.com", "tab\there")).hasMessageContaining("control");
        assertThatThrownBy(() -> Addresses.of("a@example.com", "sep\u2028")).hasMessageContaining("control");
        assertThatThrownBy(() -> Addresses.of("a@example.com", "x".repeat(201))).hasMessageContaining("200");
        assertThatThrownBy(() -> Addresses.of("a".repeat(250) + "@example.com", null)).hasMessageContaining("254");
    }
}
