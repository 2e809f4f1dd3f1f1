package dev.herald.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The decisive check runs at connect time on what the name resolves to (an injected resolver stands in
 * for DNS): names that pass the write-time rules but resolve to private addresses are refused, and an
 * allowed name connects to the vetted address while keeping its Host header.
 */
class ConnectTimePolicyTest {
    Receiver receiver;

    @BeforeEach
    void start() {
        receiver = new Receiver();
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    static HostResolver resolver() {
        return host -> switch (host) {
            case "rebind.example.com" -> List.of(InetAddress.getByName("127.0.0.1"));
            case "mixed.example.com" -> List.of(InetAddress.getByName("93.184.216.34"), InetAddress.getByName("127.0.0.1"));
            case "allowed.example.com" -> List.of(InetAddress.getByName("127.0.0.1"));
            default -> throw new UnknownHostException(host);
        };
    }

    static JsonNode awaitDead(Api api, String eventId) {
        JsonNode list = Await.until("the delivery of " + eventId + " dead-lettered", () -> api.get("/api/v1/deliveries?event_id=" + eventId).json().get("data"),
                l -> l.size() == 1 && l.get(0).get("status").asString().equals("dead"));
        return api.get("/api/v1/deliveries/" + list.get(0).get("id").asString()).json();
    }

    private void refusedAtConnectTime(String host) {
        Map<String, String> strict = Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "true", "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false");
        try (TestHerald herald = TestHerald.start(strict, resolver())) {
            Api api = herald.newProject("rebind");
            Api.Res w = api.post("/api/v1/webhooks", "{\"url\":\"http://" + host + ":" + receiver.port() + "/x\",\"events\":[\"*\"],"
                    + "\"retry_schedule\":[\"1s\",\"1s\"]}");
            assertThat(w.status()).as("the name passes the write-time rules").isEqualTo(201);
            String eventId = api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}").str("id");
            JsonNode dead = awaitDead(api, eventId);
            assertThat(dead.get("attempt_count").asInt()).as("a refusal is not retried like a network error").isEqualTo(1);
            assertThat(dead.at("/attempts/0/error_kind").asString()).isEqualTo("policy_denied");
            assertThat(dead.at("/attempts/0/error_message").asString()).contains("non_public_address");
            assertThat(receiver.requests()).isEmpty();
        }
    }

    @Test
    void aNameResolvingToLoopbackIsRefused() {
        refusedAtConnectTime("rebind.example.com");
    }

    @Test
    void aMixedPublicAndPrivateAnswerIsRefused() {
        refusedAtConnectTime("mixed.example.com");
    }

    @Test
    void anAllowedNameConnectsToTheVettedAddressAndKeepsItsHostHeader() {
        Map<String, String> allow = Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "true", "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false",
                "SECURITY_OUTBOUND_ALLOWED_HOSTS", "allowed.example.com");
        try (TestHerald herald = TestHerald.start(allow, resolver())) {
            Api api = herald.newProject("allowed");
            api.post("/api/v1/webhooks", "{\"url\":\"http://allowed.example.com:" + receiver.port() + "/in\",\"events\":[\"*\"]}");
            api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}");
            Receiver.Request r = receiver.await("/in", 1, Await.PATIENCE).get(0);
            assertThat(r.header("Host")).isEqualTo("allowed.example.com:" + receiver.port());
        }
    }
}
