package dev.herald.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralsTest {
    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({"2130706433, 127.0.0.1", "0177.0.0.1, 127.0.0.1", "0x7f.0.0.1, 127.0.0.1", "0x7f000001, 127.0.0.1", "127.1, 127.0.0.1",
        "127.0.1, 127.0.0.1", "017700000001, 127.0.0.1", "127.0.0.1., 127.0.0.1", "0xa9.0xfe.0xa9.0xfe, 169.254.169.254",
        "'[::1]', 0:0:0:0:0:0:0:1", "'[fe80::1%eth0]', fe80:0:0:0:0:0:0:1", "::ffff:7f00:1, 127.0.0.1"})
    void everyNotationIsNormalised(String literal, String address) {
        assertThat(IpLiterals.parse(literal)).hasValueSatisfying(a -> assertThat(a.getHostAddress()).isEqualTo(address));
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "1.2.3.4.5", "256.1.1.1", "0x100.0.0.0", "", "1..2", "08.0.0.1", "::g", "hooks.internal"})
    void namesAndMalformedLiteralsAreNotAddresses(String host) {
        assertThat(IpLiterals.parse(host)).isEmpty();
    }
}
