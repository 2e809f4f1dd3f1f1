package dev.herald.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.config.HeraldConfig.OutboundSettings;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutboundPolicyTest {
    static final OutboundPolicy STRICT = new OutboundPolicy(OutboundSettings.strict());

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "http://hooks.example.com/x, https_required", "ftp://hooks.example.com/x, unsupported_scheme", "file:///etc/passwd, unsupported_scheme",
        "https://user:pass@hooks.example.com/, userinfo", "https://localhost/x, internal_hostname", "https://foo.localhost/, internal_hostname",
        "https://db.internal/, internal_hostname", "https://printer.local/, internal_hostname", "https://api.svc/, internal_hostname",
        "https://intranet/, internal_hostname", "https://2130706433/, non_public_address", "https://0x7f.1/, non_public_address",
        "'https://[::ffff:127.0.0.1]/', non_public_address", "https://169.254.169.254/latest/meta-data, non_public_address",
        "'https://[::1]:8443/', non_public_address", "https://10.0.0.5/, non_public_address", "not a url, invalid_url",
    })
    void refusalsNameTheRule(String url, String rule) {
        assertThatThrownBy(() -> STRICT.checkUrl(url)).isInstanceOfSatisfying(PolicyDeniedException.class, e -> assertThat(e.rule()).isEqualTo(rule));
    }

    @Test
    void publicHttpsUrlsPass() {
        assertThat(STRICT.checkUrl("https://hooks.example.com/wipe?x=1").getHost()).isEqualTo("hooks.example.com");
        assertThatCode(() -> STRICT.checkUrl("https://8.8.8.8/")).doesNotThrowAnyException();
    }

    @Test
    void everyResolvedAddressMustBePublic() throws Exception {
        List<InetAddress> mixed = List.of(InetAddress.getByName("8.8.8.8"), InetAddress.getByName("10.0.0.1"));
        assertThatThrownBy(() -> STRICT.checkAddresses("hooks.example.com", 443, mixed)).isInstanceOf(PolicyDeniedException.class);
        assertThatCode(() -> STRICT.checkAddresses("hooks.example.com", 443, List.of(InetAddress.getByName("8.8.8.8")))).doesNotThrowAnyException();
    }

    @Test
    void settingsRelaxTheRulesOneByOne() throws Exception {
        assertThatCode(() -> new OutboundPolicy(new OutboundSettings(true, false, List.of())).checkUrl("http://hooks.example.com/")).doesNotThrowAnyException();
        OutboundPolicy privateOk = new OutboundPolicy(new OutboundSettings(false, true, List.of()));
        assertThatCode(() -> privateOk.checkAddresses("x.example.com", 443, List.of(InetAddress.getByName("10.0.0.1")))).doesNotThrowAnyException();
        OutboundPolicy allowList = new OutboundPolicy(new OutboundSettings(false, false, List.of("hooks.internal", "db.example.com:8443", "192.168.7.7", "10.1.0.0/16")));
        assertThatCode(() -> allowList.checkUrl("https://hooks.internal/x")).doesNotThrowAnyException();
        assertThatCode(() -> allowList.checkAddresses("db.example.com", 8443, List.of(InetAddress.getByName("10.9.9.9")))).doesNotThrowAnyException();
        assertThatThrownBy(() -> allowList.checkAddresses("db.example.com", 443, List.of(InetAddress.getByName("10.9.9.9")))).isInstanceOf(PolicyDeniedException.class);
        assertThatCode(() -> allowList.checkUrl("https://192.168.7.7/")).doesNotThrowAnyException();
        assertThatCode(() -> allowList.checkAddresses("a.example.com", 443, List.of(InetAddress.getByName("10.1.2.3")))).doesNotThrowAnyException();
        assertThatThrownBy(() -> allowList.checkAddresses("a.example.com", 443, List.of(InetAddress.getByName("10.2.0.1")))).isInstanceOf(PolicyDeniedException.class);
    }
}
