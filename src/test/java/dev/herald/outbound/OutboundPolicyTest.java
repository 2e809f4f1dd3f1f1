package dev.herald.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.config.HeraldConfig.OutboundSettings;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OutboundPolicyTest {
    static final OutboundPolicy STRICT = new OutboundPolicy(OutboundSettings.strict());

    static OutboundPolicy allowing(String... allowedHosts) {
        return new OutboundPolicy(new OutboundSettings(false, false, List.of(allowedHosts)));
    }

    static List<InetAddress> ips(String... literals) {
        return Arrays.stream(literals).map(l -> {
            try {
                return InetAddress.getByName(l); // literals only: no DNS lookup
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    static void assertDenied(ThrowingCallable call, String rule) {
        assertThatThrownBy(call).isInstanceOfSatisfying(PolicyDeniedException.class, e -> {
            assertThat(e.rule()).isEqualTo(rule);
            assertThat(e.kind()).isEqualTo(ErrorKind.POLICY_DENIED);
        });
    }

    // ---- checkUrl: the shape of the URL

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            # ---- scheme
            http://hooks.example.com/x                  | https_required
            HTTP://hooks.example.com/x                  | https_required
            ftp://hooks.example.com/x                   | unsupported_scheme
            file:///etc/passwd                          | unsupported_scheme
            gopher://hooks.example.com:70/_x            | unsupported_scheme
            ws://hooks.example.com/                     | unsupported_scheme
            //hooks.example.com/x                       | unsupported_scheme
            mailto:ops@example.com                      | unsupported_scheme
            # ---- credentials in the URL
            https://user:pass@example.com/              | userinfo
            https://user@hooks.example.com/             | userinfo
            https://hooks.example.com@evil.example/     | userinfo
            https://user:pass@127.0.0.1/                | userinfo
            # ---- internal host names
            https://localhost/x                         | internal_hostname
            https://LOCALHOST/x                         | internal_hostname
            https://localhost./x                        | internal_hostname
            https://localhost:8443/x                    | internal_hostname
            https://foo.localhost/                      | internal_hostname
            https://db.internal/                        | internal_hostname
            https://DB.Internal/                        | internal_hostname
            https://a.b.internal./                      | internal_hostname
            https://printer.local/                      | internal_hostname
            https://svc.cluster.svc/                    | internal_hostname
            https://api.svc/                            | internal_hostname
            https://nas.localdomain/                    | internal_hostname
            https://router.home.arpa/                   | internal_hostname
            https://intranet/                           | internal_hostname
            https://intranet:8080/                      | internal_hostname
            https://%6c%6f%63%61%6c%68%6f%73%74/        | internal_hostname
            # ---- IP literals in every notation
            https://127.0.0.1/                          | non_public_address
            https://127.0.0.1./                         | non_public_address
            https://2130706433/                         | non_public_address
            https://2130706433:443/                     | non_public_address
            https://0x7f.1/                             | non_public_address
            https://0x7f.1:8443/                        | non_public_address
            https://0x7f000001/                         | non_public_address
            https://0X7F.0.0.1/                         | non_public_address
            https://0177.0.0.1/                         | non_public_address
            https://017700000001/                       | non_public_address
            https://127.1/                              | non_public_address
            https://127.0.1/                            | non_public_address
            https://0/                                  | non_public_address
            https://0.0.0.0/                            | non_public_address
            https://10.0.0.5/                           | non_public_address
            https://172.16.0.1/                         | non_public_address
            https://3232235777/                         | non_public_address
            https://0300.0250.0.1/                      | non_public_address
            https://100.64.0.1/                         | non_public_address
            https://169.254.169.254/latest/meta-data    | non_public_address
            https://0xa9fea9fe/latest/meta-data         | non_public_address
            https://0251.0376.0251.0376/                | non_public_address
            https://[::1]/                              | non_public_address
            https://[::1]:8443/                         | non_public_address
            https://[::]/                               | non_public_address
            https://[::ffff:127.0.0.1]/                 | non_public_address
            https://[::ffff:7f00:1]/                    | non_public_address
            https://[::ffff:169.254.169.254]/           | non_public_address
            https://[fe80::1%25eth0]/                   | non_public_address
            https://[fd12:3456::1]/                     | non_public_address
            https://[64:ff9b::7f00:1]/                  | non_public_address
            https://[2002:7f00:1::]/                    | non_public_address
            https://[2001:db8::1]/                      | non_public_address
            # ---- not a usable URL at all
            not a url                                   | invalid_url
            https:///x                                  | invalid_url
            https://hooks.example.com/#fragment         | invalid_url
            """)
    void refusalsNameTheRule(String url, String rule) {
        assertDenied(() -> STRICT.checkUrl(url), rule);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com/wipe?x=1", "https://hooks.example.com", "https://HOOKS.Example.COM:8443/a/b",
        "https://hooks.example.com./x", "https://8.8.8.8/", "https://8.8.8.8:8443/", "https://134744072/", "https://[2606:4700:4700::1111]/",
        "https://[::ffff:8.8.8.8]/", "https://[2001:4860:4860::8888]:443/", "https://xn--bcher-kva.example/", "HTTPS://hooks.example.com/"})
    void publicHttpsUrlsPass(String url) {
        assertThatCode(() -> STRICT.checkUrl(url)).doesNotThrowAnyException();
    }

    @Test
    void checkUrlReturnsTheParsedUri() {
        URI uri = STRICT.checkUrl("https://hooks.example.com:8443/wipe?x=1");
        assertThat(uri.getHost()).isEqualTo("hooks.example.com");
        assertThat(uri.getPort()).isEqualTo(8443);
        assertThat(uri.getRawQuery()).isEqualTo("x=1");
    }

    @Test
    void anUnsupportedSchemeIsRefusedSayingWhatThisServerAllows() {
        assertThatThrownBy(() -> STRICT.checkUrl("ftp://hooks.example.com/")).hasMessage("only https URLs are allowed, not ftp");
        OutboundPolicy http = new OutboundPolicy(new OutboundSettings(true, false, List.of()));
        assertThatThrownBy(() -> http.checkUrl("ftp://hooks.example.com/")).hasMessage("only http and https URLs are allowed, not ftp");
        assertThatThrownBy(() -> http.checkUrl("//hooks.example.com/x")).hasMessageStartingWith("only http and https URLs are allowed");
    }

    @Test
    void httpIsRefusedByDefaultAndAllowedWithAllowHttp() {
        assertDenied(() -> STRICT.checkUrl("http://hooks.example.com/"), "https_required");
        OutboundPolicy http = new OutboundPolicy(new OutboundSettings(true, false, List.of()));
        assertThatCode(() -> http.checkUrl("http://hooks.example.com/")).doesNotThrowAnyException();
        // allowing http relaxes nothing else
        assertDenied(() -> http.checkUrl("ftp://hooks.example.com/"), "unsupported_scheme");
        assertDenied(() -> http.checkUrl("http://127.0.0.1/"), "non_public_address");
        assertDenied(() -> http.checkUrl("http://localhost/"), "internal_hostname");
        assertDenied(() -> http.checkUrl("http://u:p@hooks.example.com/"), "userinfo");
    }

    /**
     * java.net.URI leaves the host null for an authority it cannot read as a host name; the policy then
     * falls back to the raw authority. A percent-encoded host is decoded by WHATWG URL parsers
     * (browsers, many HTTP clients): {@code %31%32%37.0.0.1} is 127.0.0.1. Such a URL must not be
     * accepted as a public name.
     */
    @ParameterizedTest
    @ValueSource(strings = {"https://%31%32%37.0.0.1/", "https://127.0.0.1%2e/", "https://%31%36%39.254.169.254/latest/meta-data"})
    void percentEncodedHostsThatDecodeToNonPublicAddressesAreRefused(String url) {
        assertThatThrownBy(() -> STRICT.checkUrl(url)).isInstanceOf(PolicyDeniedException.class);
    }

    /** An authority that is neither a host name nor an IP literal cannot be requested; it must not pass as a public name. */
    @ParameterizedTest
    @ValueSource(strings = {"https://localhost../", "https://a..b/"})
    void authoritiesThatAreNotHostNamesAreRefused(String url) {
        assertThatThrownBy(() -> STRICT.checkUrl(url)).isInstanceOf(PolicyDeniedException.class);
    }

    // ---- checkAddresses: the decisive check on what a name resolved to

    @Test
    void everyResolvedAddressMustBePublic() {
        assertThatCode(() -> STRICT.checkAddresses("hooks.example.com", 443, ips("8.8.8.8"))).doesNotThrowAnyException();
        assertThatCode(() -> STRICT.checkAddresses("hooks.example.com", 443, ips("8.8.8.8", "2606:4700:4700::1111"))).doesNotThrowAnyException();
        assertDenied(() -> STRICT.checkAddresses("hooks.example.com", 443, ips("8.8.8.8", "10.0.0.1")), "non_public_address");
        assertDenied(() -> STRICT.checkAddresses("hooks.example.com", 443, ips("10.0.0.1", "8.8.8.8")), "non_public_address");
        assertDenied(() -> STRICT.checkAddresses("hooks.example.com", 443, ips("2606:4700:4700::1111", "::1")), "non_public_address");
        assertDenied(() -> STRICT.checkAddresses("rebind.example.com", 443, ips("169.254.169.254")), "non_public_address");
    }

    @Test
    void anEmptyAnswerIsADnsFailureNotAPass() {
        assertThatThrownBy(() -> STRICT.checkAddresses("hooks.example.com", 443, List.of()))
                .isInstanceOfSatisfying(OutboundException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.DNS))
                .isNotInstanceOf(PolicyDeniedException.class);
    }

    @Test
    void allowPrivateNetworksLetsPrivateTargetsThrough() {
        OutboundPolicy privateOk = new OutboundPolicy(new OutboundSettings(false, true, List.of()));
        assertThatCode(() -> privateOk.checkAddresses("x.example.com", 443, ips("10.0.0.1", "127.0.0.1", "fd00::1"))).doesNotThrowAnyException();
        assertThatCode(() -> privateOk.checkUrl("https://localhost/")).doesNotThrowAnyException();
        assertThatCode(() -> privateOk.checkUrl("https://db.internal/")).doesNotThrowAnyException();
        assertThatCode(() -> privateOk.checkUrl("https://intranet/")).doesNotThrowAnyException();
        assertThatCode(() -> privateOk.checkUrl("https://192.168.1.1/")).doesNotThrowAnyException();
        // the other rules still hold
        assertDenied(() -> privateOk.checkUrl("http://10.0.0.1/"), "https_required");
        assertDenied(() -> privateOk.checkUrl("https://u:p@10.0.0.1/"), "userinfo");
    }

    // ---- the allow-list

    @Test
    void anAllowedHostNamePassesOnAnyPortAndWhateverItResolvesTo() {
        OutboundPolicy p = allowing("hooks.internal");
        assertThatCode(() -> p.checkUrl("https://hooks.internal/x")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkUrl("https://HOOKS.internal:8443/x")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkUrl("https://hooks.internal./x")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkAddresses("hooks.internal", 443, ips("10.0.0.7"))).doesNotThrowAnyException();
        assertThatCode(() -> p.checkAddresses("HOOKS.INTERNAL", 9000, ips("10.0.0.7"))).doesNotThrowAnyException();
        // only that name
        assertDenied(() -> p.checkUrl("https://other.internal/"), "internal_hostname");
        assertDenied(() -> p.checkUrl("https://evil.hooks.internal/"), "internal_hostname");
        assertDenied(() -> p.checkAddresses("other.example.com", 443, ips("10.0.0.7")), "non_public_address");
        // and it does not relax the scheme rules
        assertDenied(() -> p.checkUrl("http://hooks.internal/"), "https_required");
    }

    /**
     * checkUrl accepts {@code https://hooks.internal./} as the allowed name (it drops the root dot), and
     * the HTTP client then asks the resolver for {@code hooks.internal.}: the decisive connect-time check
     * must agree with the save-time one, or every delivery to a URL that was accepted is refused.
     */
    @Test
    void anAllowedHostNameWithATrailingDotIsAllowedAtConnectTimeToo() {
        OutboundPolicy p = allowing("hooks.internal");
        assertThatCode(() -> p.checkUrl("https://hooks.internal./x")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkAddresses("hooks.internal.", 443, ips("10.0.0.7"))).doesNotThrowAnyException();
    }

    @Test
    void anAllowedHostAndPortPassesOnlyOnThatPort() {
        OutboundPolicy p = allowing("db.internal:8443");
        assertThatCode(() -> p.checkUrl("https://db.internal:8443/")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkAddresses("db.internal", 8443, ips("10.9.9.9"))).doesNotThrowAnyException();
        assertDenied(() -> p.checkUrl("https://db.internal/"), "internal_hostname");
        assertDenied(() -> p.checkUrl("https://db.internal:8444/"), "internal_hostname");
        assertDenied(() -> p.checkAddresses("db.internal", 443, ips("10.9.9.9")), "non_public_address");
    }

    @Test
    void anAllowedHostAndPortMatchesTheSchemesDefaultPort() {
        OutboundPolicy https = allowing("web.internal:443");
        assertThatCode(() -> https.checkUrl("https://web.internal/")).doesNotThrowAnyException();
        OutboundPolicy http = new OutboundPolicy(new OutboundSettings(true, false, List.of("web.internal:80")));
        assertThatCode(() -> http.checkUrl("http://web.internal/")).doesNotThrowAnyException();
        assertDenied(() -> http.checkUrl("https://web.internal/"), "internal_hostname");
    }

    @Test
    void anAllowedIpPassesAsALiteralAndAsAResolvedAddress() {
        OutboundPolicy p = allowing("192.168.7.7");
        assertThatCode(() -> p.checkUrl("https://192.168.7.7/")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkUrl("https://0xc0a80707/")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkAddresses("a.example.com", 443, ips("192.168.7.7"))).doesNotThrowAnyException();
        assertDenied(() -> p.checkUrl("https://192.168.7.8/"), "non_public_address");
        assertDenied(() -> p.checkAddresses("a.example.com", 443, ips("192.168.7.8")), "non_public_address");
    }

    @Test
    void anAllowedCidrCoversExactlyItsRange() {
        OutboundPolicy p = allowing("10.1.0.0/16");
        assertThatCode(() -> p.checkAddresses("a.example.com", 443, ips("10.1.2.3"))).doesNotThrowAnyException();
        assertThatCode(() -> p.checkAddresses("a.example.com", 443, ips("10.1.0.0", "10.1.255.255"))).doesNotThrowAnyException();
        assertThatCode(() -> p.checkUrl("https://10.1.2.3/")).doesNotThrowAnyException();
        assertDenied(() -> p.checkAddresses("a.example.com", 443, ips("10.2.0.1")), "non_public_address");
        assertDenied(() -> p.checkAddresses("a.example.com", 443, ips("10.0.255.255")), "non_public_address");
        assertDenied(() -> p.checkAddresses("a.example.com", 443, ips("10.1.2.3", "10.2.0.1")), "non_public_address");
        assertDenied(() -> p.checkUrl("https://10.2.0.1/"), "non_public_address");
    }

    @Test
    void anAllowedIpv6CidrCoversExactlyItsRange() {
        OutboundPolicy p = allowing("fd00:1::/32", "::1");
        assertThatCode(() -> p.checkAddresses("a.example.com", 443, ips("fd00:1:2::3"))).doesNotThrowAnyException();
        assertThatCode(() -> p.checkUrl("https://[::1]:8443/")).doesNotThrowAnyException();
        assertDenied(() -> p.checkAddresses("a.example.com", 443, ips("fd00:2::1")), "non_public_address");
        assertDenied(() -> p.checkAddresses("a.example.com", 443, ips("127.0.0.1")), "non_public_address");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "10.0.0.0/99", "10.0.0.0/x", "::1/129", "hooks.example.com/path", "-bad.example.com", "[::1]:8443", "host:123456"})
    void malformedAllowListEntriesAreRejected(String entry) {
        assertThatThrownBy(() -> allowing(entry)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void publicAddressesNeedNoAllowList() {
        OutboundPolicy p = allowing("10.1.0.0/16");
        assertThatCode(() -> p.checkAddresses("hooks.example.com", 443, ips("8.8.8.8"))).doesNotThrowAnyException();
        assertThat(p.settings().allowedHosts()).containsExactly("10.1.0.0/16");
    }

    // ---- further cases

    /**
     * The policy's own message says "the port must be between 1 and 65535", and only the upper bound is
     * enforced. Port 0 is not a port a receiver can listen on; a URL naming it must not be saved.
     */
    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com:0/", "https://8.8.8.8:0/x", "https://[2606:4700:4700::1111]:0/"})
    void portZeroIsRefusedLikeAnyOtherOutOfRangePort(String url) {
        assertDenied(() -> STRICT.checkUrl(url), "invalid_url");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://hooks.example.com:1/", "https://hooks.example.com:65535/"})
    void portsAtTheEdgesOfTheRangeAreAccepted(String url) {
        assertThatCode(() -> STRICT.checkUrl(url)).doesNotThrowAnyException();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            https://[64:ff9b::a9fe:a9fe]/latest/meta-data | non_public_address
            https://[64:ff9b::169.254.169.254]/           | non_public_address
            https://[2002:a9fe:a9fe::]/                   | non_public_address
            https://[::7f00:1]/                           | non_public_address
            https://[fc00::1]/                            | non_public_address
            https://[ff02::1]/                            | non_public_address
            https://224.0.0.1/                            | non_public_address
            https://255.255.255.255/                      | non_public_address
            https://198.18.0.1/                           | non_public_address
            https://203.0.113.7/                          | non_public_address
            https://0x0a.0x01.0x02.0x03/                  | non_public_address
            https://012.1.2.3/                            | non_public_address
            https://hooks.example.com:65536/              | invalid_url
            https://hooks.example.com/x#                  | invalid_url
            https://user:@hooks.example.com/              | userinfo
            https://:pass@hooks.example.com/              | userinfo
            https://@hooks.example.com/                   | userinfo
            """)
    void moreRefusalsNameTheRule(String url, String rule) {
        assertDenied(() -> STRICT.checkUrl(url), rule);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://[64:ff9b::808:808]/", "https://[2002:808:808::]/", "https://[2002:0808:0808::1]/", "https://93.184.216.34/",
        "https://1.1.1.1/", "https://172.32.0.0/", "https://100.128.0.0/"})
    void publicLiteralsInEveryFamilyPass(String url) {
        assertThatCode(() -> STRICT.checkUrl(url)).doesNotThrowAnyException();
    }

    @Test
    void aMixedAnswerIsRefusedWhereverThePrivateAddressSits() {
        for (String bad : new String[] {"127.0.0.1", "10.0.0.1", "169.254.169.254", "fd00::1", "::1", "::ffff:10.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::"}) {
            assertDenied(() -> STRICT.checkAddresses("hooks.example.com", 443, ips("8.8.8.8", "1.1.1.1", bad)), "non_public_address");
            assertDenied(() -> STRICT.checkAddresses("hooks.example.com", 443, ips(bad, "2606:4700:4700::1111")), "non_public_address");
        }
    }

    @Test
    void theRefusalNamesTheAddressAndItsRange() {
        assertThatThrownBy(() -> STRICT.checkAddresses("rebind.example.com", 443, ips("8.8.8.8", "169.254.169.254")))
                .isInstanceOf(PolicyDeniedException.class).hasMessageContaining("169.254.169.254").hasMessageContaining("link-local");
    }

    @Test
    void allowPrivateNetworksAcceptsAMixedAnswer() {
        OutboundPolicy privateOk = new OutboundPolicy(new OutboundSettings(false, true, List.of()));
        assertThatCode(() -> privateOk.checkAddresses("x.example.com", 443, ips("8.8.8.8", "10.0.0.1", "169.254.169.254"))).doesNotThrowAnyException();
        assertThatCode(() -> privateOk.checkUrl("https://2130706433/")).doesNotThrowAnyException();
        assertThatCode(() -> privateOk.checkUrl("https://[::1]/")).doesNotThrowAnyException();
        assertDenied(() -> privateOk.checkUrl("ftp://10.0.0.1/"), "unsupported_scheme");
    }

    @Test
    void anAllowedHostAndPortDoesNotAllowTheBareNameOnAnotherPortAtConnectTime() {
        OutboundPolicy p = allowing("hooks.internal:8443");
        assertThatCode(() -> p.checkAddresses("hooks.internal", 8443, ips("10.0.0.7"))).doesNotThrowAnyException();
        assertDenied(() -> p.checkAddresses("hooks.internal", 8444, ips("10.0.0.7")), "non_public_address");
        assertDenied(() -> p.checkAddresses("hooks.internal", 443, ips("10.0.0.7")), "non_public_address");
        // a public answer needs no allow-list entry on any port
        assertThatCode(() -> p.checkAddresses("hooks.internal", 443, ips("8.8.8.8"))).doesNotThrowAnyException();
    }

    @Test
    void anAllowedCidrIsJudgedOnTheAddressNotItsSpelling() {
        OutboundPolicy p = allowing("10.1.0.0/16");
        // java.net.URI cannot read a dotted-hex host, so such a URL can never be sent: refused even when allowed
        assertDenied(() -> p.checkUrl("https://0x0a.0x01.0x02.0x03/"), "invalid_url");
        assertThatCode(() -> p.checkUrl("https://167838211/")).doesNotThrowAnyException(); // 10.1.2.3
        assertThatCode(() -> p.checkUrl("https://[::ffff:10.1.2.3]/")).doesNotThrowAnyException();
        assertDenied(() -> p.checkUrl("https://167903745/"), "non_public_address"); // 10.2.0.1
        assertDenied(() -> p.checkUrl("https://10.2.0.1/"), "non_public_address");
        // a CIDR entry is not a name: it does not make any host name pass
        assertDenied(() -> p.checkUrl("https://db.internal/"), "internal_hostname");
    }

    @Test
    void anAllowedIpDoesNotAllowItsNeighbours() {
        OutboundPolicy p = allowing("169.254.169.254");
        assertThatCode(() -> p.checkAddresses("metadata.example.com", 80, ips("169.254.169.254"))).doesNotThrowAnyException();
        assertDenied(() -> p.checkAddresses("metadata.example.com", 80, ips("169.254.169.253")), "non_public_address");
        assertDenied(() -> p.checkAddresses("metadata.example.com", 80, ips("169.254.169.254", "127.0.0.1")), "non_public_address");
    }

    @Test
    void allowListNamesAreCaseInsensitive() {
        OutboundPolicy p = allowing("Hooks.Internal");
        assertThatCode(() -> p.checkUrl("https://hooks.INTERNAL/")).doesNotThrowAnyException();
        assertThatCode(() -> p.checkAddresses("HOOKS.internal", 443, ips("10.0.0.7"))).doesNotThrowAnyException();
    }
}
