package dev.herald.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The classifier as a pure function over addresses (literals only: no DNS). */
class AddressClassifierTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "127.0.0.1, loopback", "127.255.255.254, loopback", "10.0.0.1, private", "10.255.255.255, private",
        "172.16.0.1, private", "172.31.255.255, private", "192.168.1.1, private", "169.254.169.254, link-local",
        "169.254.0.1, link-local", "100.64.0.1, cgnat", "100.127.255.255, cgnat", "0.0.0.0, this-network", "0.1.2.3, this-network",
        "255.255.255.255, broadcast", "224.0.0.1, multicast", "239.255.255.250, multicast", "240.0.0.1, reserved",
        "192.0.2.10, documentation", "198.51.100.7, documentation", "203.0.113.9, documentation", "198.18.0.1, benchmarking",
        "198.19.255.255, benchmarking", "192.0.0.8, reserved",
        "::1, loopback", "::, unspecified", "fe80::1, link-local", "fc00::1, unique-local", "fd12:3456::1, unique-local",
        "ff02::1, multicast", "2001:db8::1, documentation", "fec0::1, site-local",
        "::ffff:127.0.0.1, loopback", "::ffff:10.0.0.1, private", "64:ff9b::7f00:1, loopback (embedded IPv4)",
        "64:ff9b::a9fe:a9fe, link-local (embedded IPv4)", "2002:7f00:1::, loopback (embedded IPv4)",
        "2002:a00:1::, private (embedded IPv4)", "::7f00:1, loopback (embedded IPv4)", "2001::1, reserved", "100::1, reserved",
    })
    void nonPublicAddressesNameTheirRange(String address, String range) throws Exception {
        assertThat(AddressClassifier.nonPublicRange(InetAddress.getByName(address))).contains(range);
    }

    @ParameterizedTest
    @CsvSource({"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0",
        "169.253.255.255", "192.169.0.1", "223.255.255.255", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::",
        "2606:4700:4700::1111", "2001:4860:4860::8888"})
    void publicAddressesPass(String address) throws Exception {
        assertThat(AddressClassifier.isPublic(InetAddress.getByName(address))).isTrue();
    }
}
