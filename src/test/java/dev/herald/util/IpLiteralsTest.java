package dev.herald.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every spelling of an IP address a resolver or browser accepts must come out as the same address. */
class IpLiteralsTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # ---- loopback in every IPv4 notation
            127.0.0.1             | 127.0.0.1
            2130706433            | 127.0.0.1
            0177.0.0.1            | 127.0.0.1
            0177.0.0.01           | 127.0.0.1
            0x7f.0.0.1            | 127.0.0.1
            0X7F.0.0.1            | 127.0.0.1
            0x7f.0x0.0x0.0x1      | 127.0.0.1
            0x7f000001            | 127.0.0.1
            0X7F000001            | 127.0.0.1
            017700000001          | 127.0.0.1
            127.1                 | 127.0.0.1
            127.0.1               | 127.0.0.1
            0x7f.1                | 127.0.0.1
            0x7f.0.1              | 127.0.0.1
            0177.1                | 127.0.0.1
            127.0x1               | 127.0.0.1
            0x0000000000000000007f.1 | 127.0.0.1
            # ---- a single trailing dot is the root label, not a fifth part
            127.0.0.1.            | 127.0.0.1
            2130706433.           | 127.0.0.1
            # ---- cloud metadata in every notation
            169.254.169.254       | 169.254.169.254
            0xa9.0xfe.0xa9.0xfe   | 169.254.169.254
            0251.0376.0251.0376   | 169.254.169.254
            2852039166            | 169.254.169.254
            0xa9fea9fe            | 169.254.169.254
            169.16689662          | 169.254.169.254
            169.254.43518         | 169.254.169.254
            # ---- private and boundary values
            0300.0250.0.1         | 192.168.0.1
            3232235777            | 192.168.1.1
            192.168.0.01          | 192.168.0.1
            10.0.0.1              | 10.0.0.1
            0                     | 0.0.0.0
            00                    | 0.0.0.0
            0x0                   | 0.0.0.0
            0.0.0.0               | 0.0.0.0
            4294967295            | 255.255.255.255
            0xffffffff            | 255.255.255.255
            037777777777          | 255.255.255.255
            255.255.255.255       | 255.255.255.255
            1.16777215            | 1.255.255.255
            1.2.65535             | 1.2.255.255
            8.8.8.8               | 8.8.8.8
            # ---- IPv6, bracketed or not, with zone ids in either spelling
            ::1                   | 0:0:0:0:0:0:0:1
            [::1]                 | 0:0:0:0:0:0:0:1
            [::]                  | 0:0:0:0:0:0:0:0
            fe80::1%eth0          | fe80:0:0:0:0:0:0:1
            [fe80::1%eth0]        | fe80:0:0:0:0:0:0:1
            fe80::1%25eth0        | fe80:0:0:0:0:0:0:1
            [fe80::1%25eth0]      | fe80:0:0:0:0:0:0:1
            fe80::1%3             | fe80:0:0:0:0:0:0:1
            2001:DB8::1           | 2001:db8:0:0:0:0:0:1
            2606:4700:4700::1111  | 2606:4700:4700:0:0:0:0:1111
            64:ff9b::7f00:1       | 64:ff9b:0:0:0:0:7f00:1
            64:ff9b::127.0.0.1    | 64:ff9b:0:0:0:0:7f00:1
            # ---- IPv4-mapped IPv6 is the IPv4 address itself
            ::ffff:127.0.0.1      | 127.0.0.1
            [::ffff:127.0.0.1]    | 127.0.0.1
            ::ffff:7f00:1         | 127.0.0.1
            ::FFFF:A9FE:A9FE      | 169.254.169.254
            """)
    void everyNotationIsNormalised(String literal, String address) {
        assertThat(IpLiterals.parse(literal)).hasValueSatisfying(a -> assertThat(a.getHostAddress()).isEqualTo(address));
    }

    @Test
    void theFamilyFollowsTheAddressNotTheSpelling() {
        assertThat(IpLiterals.parse("2130706433")).containsInstanceOf(Inet4Address.class);
        assertThat(IpLiterals.parse("[::1]")).containsInstanceOf(Inet6Address.class);
        assertThat(IpLiterals.parse("::ffff:10.0.0.1")).containsInstanceOf(Inet4Address.class);
    }

    @Test
    void zoneIdsAreDroppedSoTheAddressIsJudgedAlone() {
        assertThat(IpLiterals.parse("fe80::1%eth0")).hasValueSatisfying(a -> assertThat(((Inet6Address) a).getScopedInterface()).isNull());
        assertThat(IpLiterals.parse("[fe80::1%25en0]")).hasValueSatisfying(a -> assertThat(((Inet6Address) a).getScopeId()).isZero());
    }

    /** Decimal, hex, octal and every short form of the same 32 bits agree with the address built from the raw bytes. */
    @Test
    void allIpv4NotationsAgreeForRandomAddresses() throws Exception {
        Random random = new Random(20261123L);
        for (int i = 0; i < 2_000; i++) {
            long v = random.nextLong() & 0xffffffffL;
            InetAddress expected = InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
            long a = v >>> 24;
            long b = (v >>> 16) & 0xff;
            long c = (v >>> 8) & 0xff;
            long d = v & 0xff;
            String[] spellings = {
                a + "." + b + "." + c + "." + d,
                Long.toString(v),
                "0x" + Long.toHexString(v),
                "0" + Long.toOctalString(v),
                a + "." + (v & 0xffffff),
                a + "." + b + "." + (v & 0xffff),
                "0x" + Long.toHexString(a) + ".0x" + Long.toHexString(b) + ".0x" + Long.toHexString(c) + ".0x" + Long.toHexString(d),
                "0" + Long.toOctalString(a) + ".0" + Long.toOctalString(b) + ".0" + Long.toOctalString(c) + ".0" + Long.toOctalString(d),
                a + "." + b + "." + c + "." + d + ".",
            };
            for (String s : spellings) {
                assertThat(IpLiterals.parse(s)).as(s).contains(expected);
            }
        }
    }

    @ParameterizedTest(name = "''{0}'' is not an IP literal")
    @ValueSource(strings = {
        // host names: never resolved (localhost would resolve to 127.0.0.1 if a lookup happened)
        "example.com", "hooks.internal", "localhost", "example.com.", "a.b.c.d", "1.2.3.example", "0x7f.example",
        // too many parts, or a part out of range for its position
        "1.2.3.4.5", "1.2.3.4..", "256.1.1.1", "1.256.1.1", "1.1.256.1", "1.1.1.256", "0x100.0.0.0", "1.2.3.0x100",
        "0400.0.0.0", "4294967296", "0x100000000", "1.16777216", "1.2.65536", "99999999999999999999",
        // empty parts
        "", ".", "..", "1..2", ".1.2.3", "1.2..3",
        // digits that are not digits of their base
        "08.0.0.1", "09", "0x7g.0.0.1", "0xg", "1e3",
        // signs, spaces and other junk
        "-1", "+1", "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/8", "1.2.3.4:80",
        // malformed IPv6
        "::g", ":::", "1:2:3:4:5:6:7:8:9", "[::1", "::1]", "[example.com]", "2001:db8::1::2",
    })
    void namesAndMalformedLiteralsAreNotAddresses(String host) {
        assertThat(IpLiterals.parse(host)).isEmpty();
    }

    @Test
    void nullIsNotAnAddress() {
        assertThat(IpLiterals.parse(null)).isEmpty();
    }
}
