package dev.herald.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Deliveries;
import dev.herald.support.Receiver;
import dev.herald.support.TestCerts;
import dev.herald.support.TestHerald;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What a target can do to Herald and cannot: send it elsewhere with a redirect, or flood it with a huge
 * answer; and how an operator lets it reach internal HTTPS with a private CA.
 */
class EgressLimitsTest {
    /** Strict policy, with one allow-listed name that the injected resolver points at the test's receiver. */
    static Map<String, String> strict(String... more) {
        Map<String, String> s = new HashMap<>(Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "true", "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false",
                "SECURITY_OUTBOUND_ALLOWED_HOSTS", "hooks.corp.example,other.corp.example"));
        for (int i = 0; i < more.length; i += 2) s.put(more[i], more[i + 1]);
        return s;
    }

    static HostResolver resolver() {
        return host -> switch (host) {
            case "hooks.corp.example", "other.corp.example" -> List.of(InetAddress.getByName("127.0.0.1"));
            default -> throw new UnknownHostException(host);
        };
    }

    private static void subscribe(Api api, String url) {
        Api.Res w = api.post("/api/v1/webhooks", "{\"url\":\"" + url + "\",\"events\":[\"*\"],\"retry_schedule\":[]}");
        assertThat(w.status()).as(w.toString()).isEqualTo(201);
    }

    @Test
    void aRedirectToTheCloudMetadataAddressIsNotFollowed() {
        try (Receiver receiver = new Receiver(); TestHerald herald = TestHerald.start(strict(), resolver())) {
            receiver.on("/hook", Receiver.Reply.status(302).withHeader("Location", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"));
            receiver.on("/same-host", Receiver.Reply.status(307).withHeader("Location", "http://hooks.corp.example:" + receiver.port() + "/landing"));
            Api api = herald.newProject("redirects");
            subscribe(api, "http://hooks.corp.example:" + receiver.port() + "/hook");
            JsonNode d = Deliveries.publishAndAwait(api, "a.b");
            assertThat(d.get("status").asString()).isEqualTo("dead");
            assertThat(d.at("/attempts/0/status_code").asInt()).isEqualTo(302);
            assertThat(d.at("/attempts/0/error_message").asString()).isEqualTo("redirect not followed");

            Api other = herald.newProject("same-host");
            subscribe(other, "http://hooks.corp.example:" + receiver.port() + "/same-host");
            JsonNode d2 = Deliveries.publishAndAwait(other, "a.b");
            assertThat(d2.at("/attempts/0/status_code").asInt()).isEqualTo(307);
            assertThat(receiver.requests("/landing")).as("not even a redirect to the same host is followed").isEmpty();
            assertThat(receiver.requests()).hasSize(2);
        }
    }

    /** Regression: the HTTP client's own auth handling turned a 401 without WWW-Authenticate into an I/O error. */
    @Test
    void a401Or407WithoutAChallengeIsRecordedAsTheStatusItIs() {
        try (Receiver receiver = new Receiver(); TestHerald herald = TestHerald.start(strict(), resolver())) {
            receiver.on("/401", Receiver.Reply.status(401));
            receiver.on("/407", Receiver.Reply.status(407));
            for (String path : List.of("/401", "/407")) {
                Api api = herald.newProject("p" + path.substring(1));
                subscribe(api, "http://hooks.corp.example:" + receiver.port() + path);
                JsonNode a = Deliveries.publishAndAwait(api, "a.b").at("/attempts/0");
                assertThat(a.get("error_kind").asString()).isEqualTo("http_status");
                assertThat(a.get("status_code").asInt()).isEqualTo(Integer.parseInt(path.substring(1)));
            }
        }
    }

    @Test
    void anOversizedAnswerIsCutOffAtTheMaximumResponseSize() throws Exception {
        long[] written = {0};
        CompletableFuture<Void> done = new CompletableFuture<>();
        try (Receiver receiver = new Receiver(); TestHerald herald = TestHerald.start(strict("HERALD_MAX_RESPONSE_SIZE_BYTES", "1048576"), resolver())) {
            receiver.onRaw("/huge", ex -> {
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'x');
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    for (int i = 0; i < 1600; i++) { // 100 MiB if nobody stops it
                        out.write(chunk);
                        written[0] += chunk.length;
                    }
                } catch (IOException expected) {
                    // Herald closed the connection
                } finally {
                    done.complete(null);
                }
            });
            Api api = herald.newProject("huge");
            subscribe(api, "http://hooks.corp.example:" + receiver.port() + "/huge");
            JsonNode d = Deliveries.publishAndAwait(api, "a.b");
            JsonNode attempt = d.at("/attempts/0");
            assertThat(attempt.get("status_code").asInt()).isEqualTo(200);
            assertThat(attempt.get("response_truncated").asBoolean()).isTrue();
            assertThat(attempt.get("response_body").asString()).hasSize(4096);
            assertThat(attempt.get("error_message").asString()).contains("maximum response size");
            done.get(20, TimeUnit.SECONDS);
            assertThat(written[0]).as("Herald stopped reading near the 1 MiB cap, far below the 100 MiB sent").isLessThan(16L * 1024 * 1024);
        }
    }

    @Test
    void aPrivateCaIsTrustedOnlyWhenConfiguredAndTheNameMustStillMatch(@TempDir Path dir) throws Exception {
        TestCerts certs = TestCerts.forHost("hooks.corp.example", dir);
        try (Receiver tls = new Receiver(certs.server())) {
            // Without the CA file the certificate is not trusted.
            try (TestHerald herald = TestHerald.start(strict(), resolver())) {
                Api api = herald.newProject("no-ca");
                subscribe(api, "https://hooks.corp.example:" + tls.port() + "/in");
                JsonNode d = Deliveries.publishAndAwait(api, "a.b");
                assertThat(d.get("status").asString()).isEqualTo("dead");
                assertThat(d.at("/attempts/0/error_kind").asString()).isEqualTo("tls");
            }
            assertThat(tls.requests()).isEmpty();
            try (TestHerald herald = TestHerald.start(strict("SECURITY_OUTBOUND_CA_FILE", certs.caPem().toString()), resolver())) {
                Api api = herald.newProject("ca");
                subscribe(api, "https://hooks.corp.example:" + tls.port() + "/in");
                JsonNode d = Deliveries.publishAndAwait(api, "a.b");
                assertThat(d.get("status").asString()).as(d.toString()).isEqualTo("succeeded");
                assertThat(tls.requests("/in")).hasSize(1);
                assertThat(tls.requests("/in").get(0).header("Host")).isEqualTo("hooks.corp.example:" + tls.port());

                // The system's CAs stay trusted too, and the host name check stays on: a certificate for
                // hooks.corp.example does not serve other.corp.example, even from the trusted CA.
                Api other = herald.newProject("wrong-name");
                subscribe(other, "https://other.corp.example:" + tls.port() + "/in");
                JsonNode wrong = Deliveries.publishAndAwait(other, "a.b");
                assertThat(wrong.at("/attempts/0/error_kind").asString()).isEqualTo("tls");
            }
        }
    }

    @Test
    void aMissingOrBrokenCaFileStopsStartupNamingTheSetting(@TempDir Path dir) throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate");
        for (String file : List.of(dir.resolve("missing.pem").toString(), junk.toString())) {
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> TestHerald.config(dir, Map.of("SECURITY_OUTBOUND_CA_FILE", file)));
            assertThat(t).isInstanceOf(dev.herald.config.ConfigException.class).hasMessageContaining("SECURITY_OUTBOUND_CA_FILE");
        }
    }
}
