package dev.herald.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The classifier as a pure function over addresses. Every address here is an IP literal, so
 * {@link InetAddress#getByName} parses it and never performs a DNS lookup.
 */
class AddressClassifierTest {

    static InetAddress ip(String literal) throws UnknownHostException {
        // Guard the "literals only" promise: a host name would trigger a lookup, a literal never does.
        assertThat(literal).matches("[0-9a-fA-F:.]+");
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest(name = "{0} is non-public: {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # ---- IPv4: this network 0.0.0.0/8
            0.0.0.0                 | this-network
            0.0.0.1                 | this-network
            0.1.2.3                 | this-network
            0.255.255.255           | this-network
            # ---- private 10/8
            10.0.0.0                | private
            10.0.0.1                | private
            10.123.45.67            | private
            10.255.255.255          | private
            # ---- CGNAT 100.64/10 (100.64.0.0 .. 100.127.255.255)
            100.64.0.0              | cgnat
            100.64.0.1              | cgnat
            100.100.100.100         | cgnat
            100.127.255.255         | cgnat
            # ---- loopback 127/8
            127.0.0.0               | loopback
            127.0.0.1               | loopback
            127.1.2.3               | loopback
            127.255.255.254         | loopback
            127.255.255.255         | loopback
            # ---- link-local 169.254/16, including the cloud metadata address
            169.254.0.0             | link-local
            169.254.0.1             | link-local
            169.254.169.254         | link-local
            169.254.255.255         | link-local
            # ---- private 172.16/12 (172.16.0.0 .. 172.31.255.255)
            172.16.0.0              | private
            172.16.0.1              | private
            172.20.10.5             | private
            172.31.255.255          | private
            # ---- IETF protocol assignments and other special /24s
            192.0.0.0               | reserved
            192.0.0.8               | reserved
            192.0.0.255             | reserved
            192.31.196.1            | reserved
            192.52.193.1            | reserved
            192.88.99.1             | reserved
            192.175.48.1            | reserved
            # ---- private 192.168/16
            192.168.0.0             | private
            192.168.1.1             | private
            192.168.255.255         | private
            # ---- documentation (TEST-NET-1/2/3)
            192.0.2.0               | documentation
            192.0.2.10              | documentation
            192.0.2.255             | documentation
            198.51.100.0            | documentation
            198.51.100.7            | documentation
            198.51.100.255          | documentation
            203.0.113.0             | documentation
            203.0.113.9             | documentation
            203.0.113.255           | documentation
            # ---- benchmarking 198.18/15 (198.18.0.0 .. 198.19.255.255)
            198.18.0.0              | benchmarking
            198.18.0.1              | benchmarking
            198.19.0.1              | benchmarking
            198.19.255.255          | benchmarking
            # ---- multicast 224/4
            224.0.0.0               | multicast
            224.0.0.1               | multicast
            232.1.2.3               | multicast
            239.255.255.250         | multicast
            239.255.255.255         | multicast
            # ---- reserved 240/4 and the limited broadcast address
            240.0.0.0               | reserved
            240.0.0.1               | reserved
            250.1.2.3               | reserved
            255.255.255.254         | reserved
            255.255.255.255         | broadcast
            # ---- IPv6 special addresses
            ::                      | unspecified
            0:0:0:0:0:0:0:0         | unspecified
            ::1                     | loopback
            0:0:0:0:0:0:0:1         | loopback
            # ---- link-local fe80::/10 and the deprecated site-local fec0::/10
            fe80::                  | link-local
            fe80::1                 | link-local
            fe80::dead:beef         | link-local
            febf:ffff::1            | link-local
            fec0::1                 | site-local
            feff::1                 | site-local
            # ---- unique-local fc00::/7
            fc00::1                 | unique-local
            fd00::1                 | unique-local
            fd12:3456::1            | unique-local
            fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | unique-local
            # ---- multicast ff00::/8
            ff01::1                 | multicast
            ff02::1                 | multicast
            ff05::1:3               | multicast
            ff0e::1                 | multicast
            # ---- documentation 2001:db8::/32 and 3fff::/20
            2001:db8::1             | documentation
            2001:db8:ffff:ffff::1   | documentation
            3fff::1                 | documentation
            3fff:fff:ffff::1        | documentation
            # ---- IETF protocol assignments 2001::/23 (Teredo, benchmarking, ORCHID...)
            2001::1                 | reserved
            2001:0:4136:e378::1     | reserved
            2001:2::1               | reserved
            2001:1ff:ffff::1        | reserved
            # ---- discard-only 100::/64, NAT64 local-use, SRv6 SIDs
            100::1                  | reserved
            100::ffff:ffff:ffff:ffff | reserved
            64:ff9b:1::1            | private
            64:ff9b:1:ffff::808:808 | private
            5f00::1                 | reserved
            # ---- anything outside global unicast 2000::/3
            4000::1                 | reserved
            1000::1                 | reserved
            e000::1                 | reserved
            # ---- IPv4-mapped ::ffff:0:0/96 (Java turns these into IPv4 addresses)
            ::ffff:127.0.0.1        | loopback
            ::ffff:10.0.0.1         | private
            ::ffff:169.254.169.254  | link-local
            ::ffff:192.168.0.1      | private
            ::ffff:0.0.0.0          | this-network
            ::ffff:7f00:1           | loopback
            # ---- IPv4-compatible ::/96 (deprecated) judged by the embedded address
            ::7f00:1                | loopback (embedded IPv4)
            ::127.0.0.2             | loopback (embedded IPv4)
            ::a00:1                 | private (embedded IPv4)
            ::0.0.0.2               | this-network (embedded IPv4)
            # ---- NAT64 64:ff9b::/96 judged by the embedded address
            64:ff9b::7f00:1         | loopback (embedded IPv4)
            64:ff9b::127.0.0.1      | loopback (embedded IPv4)
            64:ff9b::a00:1          | private (embedded IPv4)
            64:ff9b::c0a8:101       | private (embedded IPv4)
            64:ff9b::a9fe:a9fe      | link-local (embedded IPv4)
            64:ff9b::6440:1         | cgnat (embedded IPv4)
            64:ff9b::                | this-network (embedded IPv4)
            # ---- 6to4 2002::/16 judged by the embedded address
            2002:7f00:1::           | loopback (embedded IPv4)
            2002:7f00:1::1          | loopback (embedded IPv4)
            2002:a00:1::            | private (embedded IPv4)
            2002:ac10:1::           | private (embedded IPv4)
            2002:c0a8:101::         | private (embedded IPv4)
            2002:a9fe:a9fe::        | link-local (embedded IPv4)
            2002:6440:1::           | cgnat (embedded IPv4)
            2002:e000:1::           | multicast (embedded IPv4)
            2002:ffff:ffff::        | broadcast (embedded IPv4)
            """)
    void nonPublicAddressesNameTheirRange(String address, String range) throws Exception {
        InetAddress a = ip(address);
        assertThat(AddressClassifier.nonPublicRange(a)).contains(range);
        assertThat(AddressClassifier.isPublic(a)).isFalse();
    }

    @ParameterizedTest(name = "{0} is public")
    @CsvSource(textBlock = """
            # well-known public resolvers and hosts
            8.8.8.8
            8.8.4.4
            1.1.1.1
            9.9.9.9
            93.184.216.34
            1.0.0.0
            # just outside 0/8, 10/8, 127/8
            1.0.0.1
            9.255.255.255
            11.0.0.0
            126.255.255.255
            128.0.0.0
            # edges of 172.16/12
            172.15.255.255
            172.32.0.0
            # edges of CGNAT 100.64/10
            100.63.255.255
            100.128.0.0
            # edges of link-local 169.254/16
            169.253.255.255
            169.255.0.0
            # edges of 192.168/16 and 192.0.0/24, 192.0.2/24
            192.167.255.255
            192.169.0.0
            192.0.1.255
            192.0.3.0
            # edges of benchmarking 198.18/15 and documentation 198.51.100/24, 203.0.113/24
            198.17.255.255
            198.20.0.0
            198.51.99.255
            198.51.101.0
            203.0.112.255
            203.0.114.0
            # last unicast address before multicast
            223.255.255.255
            # IPv6 global unicast
            2606:4700:4700::1111
            2001:4860:4860::8888
            2a00:1450:4001:80b::200e
            2001:200::1
            2001:db7:ffff::1
            2001:db9::1
            3fff:1000::1
            2000::1
            3ffe::1
            # embedded IPv4 that is itself public
            ::ffff:8.8.8.8
            ::ffff:1.1.1.1
            64:ff9b::808:808
            64:ff9b::8.8.8.8
            2002:808:808::
            2002:0808:0808::1
            2002:ac20::
            """)
    void publicAddressesPass(String address) throws Exception {
        InetAddress a = ip(address);
        assertThat(AddressClassifier.nonPublicRange(a)).isEmpty();
        assertThat(AddressClassifier.isPublic(a)).isTrue();
    }

    @Test
    void theCloudMetadataAddressIsRefusedInEveryFamily() throws Exception {
        for (String spelling : new String[] {"169.254.169.254", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::"}) {
            assertThat(AddressClassifier.isPublic(ip(spelling))).as(spelling).isFalse();
        }
    }

    @Test
    void embeddedIpv4IsExtractedOnlyFromTheKnownPrefixes() {
        assertThat(AddressClassifier.embeddedV4(bytes("64:ff9b::7f00:1"))).hasToString("/127.0.0.1");
        assertThat(AddressClassifier.embeddedV4(bytes("2002:c0a8:101::"))).hasToString("/192.168.1.1");
        assertThat(AddressClassifier.embeddedV4(bytes("::a00:1"))).hasToString("/10.0.0.1");
        // :: and ::1 are the IPv6 unspecified and loopback addresses, not IPv4-compatible ones.
        assertThat(AddressClassifier.embeddedV4(bytes("::"))).isNull();
        assertThat(AddressClassifier.embeddedV4(bytes("::1"))).isNull();
        // NAT64's local-use prefix and ordinary global addresses carry no IPv4 address.
        assertThat(AddressClassifier.embeddedV4(bytes("64:ff9b:1::7f00:1"))).isNull();
        assertThat(AddressClassifier.embeddedV4(bytes("2606:4700:4700::1111"))).isNull();
        assertThat(AddressClassifier.embeddedV4(new byte[] {127, 0, 0, 1})).isNull();
    }

    /**
     * IPv4 carried in IPv6 (mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) must get the same
     * verdict as the bare IPv4 address, for addresses on both sides of every range edge.
     */
    @ParameterizedTest(name = "{0} in every IPv6 wrapping")
    @CsvSource(textBlock = """
            0.0.0.0
            0.255.255.255
            1.0.0.0
            9.255.255.255
            10.0.0.0
            10.255.255.255
            11.0.0.0
            100.63.255.255
            100.64.0.0
            100.127.255.255
            100.128.0.0
            126.255.255.255
            127.0.0.1
            128.0.0.0
            169.253.255.255
            169.254.169.254
            169.255.0.0
            172.15.255.255
            172.16.0.0
            172.31.255.255
            172.32.0.0
            192.0.2.1
            192.167.255.255
            192.168.0.1
            192.169.0.0
            198.17.255.255
            198.18.0.0
            198.19.255.255
            198.20.0.0
            198.51.100.1
            203.0.113.1
            223.255.255.255
            224.0.0.1
            239.255.255.255
            240.0.0.1
            255.255.255.255
            8.8.8.8
            1.1.1.1
            93.184.216.34
            """)
    void embeddedIpv4GetsTheSameVerdictAsTheBareAddress(String v4) throws Exception {
        InetAddress bare = ip(v4);
        byte[] b = bare.getAddress();
        Optional<String> expected = AddressClassifier.nonPublicRange(bare);
        String hi = Integer.toHexString(((b[0] & 0xff) << 8) | (b[1] & 0xff));
        String lo = Integer.toHexString(((b[2] & 0xff) << 8) | (b[3] & 0xff));
        // ::ffff:a.b.c.d is turned into the IPv4 address itself by Java, so the range name is unchanged.
        assertThat(AddressClassifier.nonPublicRange(ip("::ffff:" + v4))).as("mapped").isEqualTo(expected);
        Optional<String> embedded = expected.map(r -> r + " (embedded IPv4)");
        assertThat(AddressClassifier.nonPublicRange(ip("64:ff9b::" + v4))).as("NAT64 dotted").isEqualTo(embedded);
        assertThat(AddressClassifier.nonPublicRange(ip("64:ff9b::" + hi + ":" + lo))).as("NAT64 hex").isEqualTo(embedded);
        assertThat(AddressClassifier.nonPublicRange(ip("2002:" + hi + ":" + lo + "::"))).as("6to4").isEqualTo(embedded);
        assertThat(AddressClassifier.nonPublicRange(ip("2002:" + hi + ":" + lo + ":ffff::1"))).as("6to4 with subnet").isEqualTo(embedded);
    }

    /** Java's own helpers miss ranges the classifier must catch; guard against a regression to them. */
    @ParameterizedTest
    @CsvSource(textBlock = """
            100.64.0.1
            0.1.2.3
            198.18.0.1
            fd00::1
            64:ff9b::7f00:1
            2002:7f00:1::
            ::ffff:0:7f00:1
            64:ff9b:0:0:1::7f00:1
            """)
    void addressesThatTheJdkConsidersOrdinaryAreStillNonPublic(String address) throws Exception {
        InetAddress a = ip(address);
        assertThat(a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()).isFalse();
        assertThat(AddressClassifier.isPublic(a)).isFalse();
    }

    private static byte[] bytes(String v6) {
        try {
            byte[] b = ip(v6).getAddress();
            assertThat(b).hasSize(16);
            return b;
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
