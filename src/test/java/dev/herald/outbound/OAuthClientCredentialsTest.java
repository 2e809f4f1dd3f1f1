package dev.herald.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Deliveries;
import dev.herald.support.Gate;
import dev.herald.support.MutableClock;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Webhooks authenticated with the OAuth 2.0 client-credentials grant, against a real token endpoint and
 * a receiver that accepts only the tokens that endpoint issued.
 */
class OAuthClientCredentialsTest {
    static final String CLIENT_ID = "my-client-id";
    static final String CLIENT_SECRET = "my-client-secret/with:odd&chars";

    Receiver server;
    /** Herald's clock: token expiry is reached by moving it, not by waiting. */
    final MutableClock clock = new MutableClock();
    TestHerald herald;
    Api api;
    final AtomicInteger issued = new AtomicInteger();
    final Set<String> valid = ConcurrentHashMap.newKeySet();
    volatile long expiresIn = 3600;
    /** When set, the token endpoint holds each (valid) request until the gate opens. */
    volatile Gate tokenGate;
    /** When set, the endpoint accepts credentials only in the form body (client_secret_post). */
    volatile boolean formOnly;

    @BeforeEach
    void start() {
        server = new Receiver();
        server.on("/token", this::token);
        server.on("/hook", r -> {
            String auth = r.header("Authorization");
            return auth != null && auth.startsWith("Bearer ") && valid.contains(auth.substring(7)) ? Receiver.Reply.ok() : Receiver.Reply.status(401);
        });
        herald = TestHerald.start(Map.of(), clock);
        api = herald.newProject("oauth");
    }

    @AfterEach
    void stop() {
        Gate g = tokenGate;
        if (g != null) g.open();
        herald.close();
        server.close();
    }

    private Receiver.Reply token(Receiver.Request r) {
        Map<String, String> form = form(r.bodyText());
        String basic = r.header("Authorization");
        boolean ok;
        if (basic != null && !formOnly) {
            String pair = new String(Base64.getDecoder().decode(basic.substring("Basic ".length())), StandardCharsets.UTF_8);
            int colon = pair.indexOf(':');
            ok = decode(pair.substring(0, colon)).equals(CLIENT_ID) && decode(pair.substring(colon + 1)).equals(CLIENT_SECRET);
        } else {
            ok = basic == null && CLIENT_ID.equals(form.get("client_id")) && CLIENT_SECRET.equals(form.get("client_secret"));
        }
        if (!"client_credentials".equals(form.get("grant_type")) || !ok) {
            return json(401, "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}");
        }
        Gate g = tokenGate;
        if (g != null) g.pass();
        String t = "tok-" + issued.incrementAndGet();
        valid.add(t);
        return json(200, "{\"access_token\":\"" + t + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + "}");
    }

    private static Receiver.Reply json(int status, String body) {
        return Receiver.Reply.status(status).withBody(body.getBytes(StandardCharsets.UTF_8)).withHeader("Content-Type", "application/json");
    }

    static Map<String, String> form(String body) {
        Map<String, String> m = new LinkedHashMap<>();
        if (body.isEmpty()) return m;
        for (String kv : body.split("&")) {
            int eq = kv.indexOf('=');
            m.put(decode(kv.substring(0, eq)), decode(kv.substring(eq + 1)));
        }
        return m;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private String subscribe(String secret) {
        return subscribe(secret, "");
    }

    /** {@code extra}: more fields of the webhook, each followed by a comma. */
    private String subscribe(String secret, String extra) {
        Api.Res w = api.post("/api/v1/webhooks", "{\"url\":\"" + server.url("/hook") + "\",\"events\":[\"*\"],\"retry_schedule\":[]," + extra
                + "\"auth\":{\"oauth_client_credentials\":{\"token_url\":\"" + server.url("/token") + "\",\"client_id\":\"" + CLIENT_ID + "\","
                + "\"client_secret\":\"" + secret + "\",\"scopes\":\"email.send\",\"extra_params\":{\"audience\":\"https://api.example.com\"}}}}");
        assertThat(w.status()).as(w.toString()).isEqualTo(201);
        return w.str("id");
    }

    private List<Receiver.Request> tokenRequests() {
        return server.requests("/token");
    }

    @Test
    void aTokenIsObtainedOnceAndReusedWhileValid() {
        subscribe(CLIENT_SECRET);
        for (int i = 0; i < 5; i++) assertThat(Deliveries.publishAndAwait(api, "a.b").get("status").asString()).isEqualTo("succeeded");
        assertThat(tokenRequests()).hasSize(1);
        Receiver.Request t = tokenRequests().get(0);
        assertThat(t.method()).isEqualTo("POST");
        assertThat(t.header("Content-Type")).startsWith("application/x-www-form-urlencoded");
        assertThat(form(t.bodyText())).containsEntry("grant_type", "client_credentials").containsEntry("scope", "email.send")
                .containsEntry("audience", "https://api.example.com").doesNotContainKey("client_secret");
        assertThat(server.requests("/hook")).hasSize(5).allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer tok-1"));
    }

    @Test
    void anExpiredTokenIsRefreshedBeforeUse() {
        subscribe(CLIENT_SECRET);
        assertThat(Deliveries.publishAndAwait(api, "a.b").get("status").asString()).isEqualTo("succeeded");
        // The token lives an hour; Herald's clock moves an hour on (real time cannot expire it during the test).
        clock.advance(Duration.ofSeconds(expiresIn));
        assertThat(Deliveries.publishAndAwait(api, "a.b").get("status").asString()).isEqualTo("succeeded");
        assertThat(tokenRequests()).hasSize(2);
        assertThat(server.requests("/hook").get(1).header("Authorization")).isEqualTo("Bearer tok-2");
    }

    @Test
    void aTokenTheTargetRefusesWith401IsReplacedAndTheRequestTriedOnceMore() {
        subscribe(CLIENT_SECRET);
        assertThat(Deliveries.publishAndAwait(api, "a.b").get("status").asString()).isEqualTo("succeeded");
        valid.remove("tok-1"); // revoked at the target, although not expired
        JsonNode d = Deliveries.publishAndAwait(api, "a.b");
        assertThat(d.get("status").asString()).isEqualTo("succeeded");
        assertThat(d.get("attempt_count").asInt()).as("the retry with a fresh token is part of the same attempt").isEqualTo(1);
        assertThat(tokenRequests()).hasSize(2);
        List<Receiver.Request> hooks = server.requests("/hook");
        assertThat(hooks).extracting(r -> r.header("Authorization")).containsExactly("Bearer tok-1", "Bearer tok-1", "Bearer tok-2");
        assertThat(hooks.get(2).bodyText()).isEqualTo(hooks.get(1).bodyText());
        assertThat(hooks.get(2).header("X-Webhook-Signature")).isEqualTo(hooks.get(1).header("X-Webhook-Signature"));
    }

    @Test
    void concurrentRequestsShareOneTokenFetch() {
        Gate held = new Gate();
        tokenGate = held;
        // The token request may wait at the gate as long as the test needs: a minute of the attempts' timeout.
        subscribe(CLIENT_SECRET, "\"timeout_seconds\":60,");
        try {
            for (int i = 0; i < 20; i++) assertThat(api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}").status()).isEqualTo(202);
            // The one token request is held until all twenty deliveries are in flight: each asked for a token while it was outstanding.
            held.awaitWaiting(1);
            Await.until("all twenty deliveries in flight", () -> api.get("/api/v1/deliveries?status=in_flight&limit=500").json().get("data").size(),
                    n -> n == 20);
        } finally {
            held.open();
        }
        server.await("/hook", 20, Await.PATIENCE);
        assertThat(tokenRequests()).as("twenty deliveries waited on one token request").hasSize(1);
        assertThat(server.requests("/hook")).allSatisfy(r -> assertThat(r.header("Authorization")).isEqualTo("Bearer tok-1"));
    }

    @Test
    void badCredentialsGiveAClearAttemptErrorWithoutTheSecret() {
        subscribe("wrong-secret-value");
        JsonNode d = Deliveries.publishAndAwait(api, "a.b");
        assertThat(d.get("status").asString()).isEqualTo("dead");
        JsonNode a = d.at("/attempts/0");
        assertThat(a.get("error_kind").asString()).isEqualTo("auth");
        assertThat(a.get("error_message").asString()).contains("127.0.0.1").contains("401").contains("invalid_client")
                .contains("Client authentication failed").doesNotContain("wrong-secret-value");
        assertThat(server.requests("/hook")).as("nothing is sent without a token").isEmpty();
    }

    @Test
    void anEndpointThatWantsCredentialsInTheBodyIsDetectedAndRemembered() {
        formOnly = true;
        subscribe(CLIENT_SECRET);
        assertThat(Deliveries.publishAndAwait(api, "a.b").get("status").asString()).isEqualTo("succeeded");
        assertThat(tokenRequests()).hasSize(2); // Basic refused, then the form
        assertThat(form(tokenRequests().get(1).bodyText())).containsEntry("client_id", CLIENT_ID).containsEntry("client_secret", CLIENT_SECRET);
        clock.advance(Duration.ofSeconds(expiresIn));
        assertThat(Deliveries.publishAndAwait(api, "a.b").get("status").asString()).isEqualTo("succeeded");
        assertThat(tokenRequests()).as("the refresh goes straight to the style that worked").hasSize(3);
    }

    @Test
    void theSecretIsWriteOnlyAndAChangedSecretNeverReusesTheOldToken() {
        String id = subscribe(CLIENT_SECRET);
        Api.Res got = api.get("/api/v1/webhooks/" + id);
        assertThat(got.text()).doesNotContain(CLIENT_SECRET.substring(0, 12));
        assertThat(got.json().at("/auth/oauth_client_credentials/client_secret_set").asBoolean()).isTrue();
        assertThat(got.json().at("/auth/oauth_client_credentials/client_id").asString()).isEqualTo(CLIENT_ID);
        assertThat(Deliveries.publishAndAwait(api, "a.b").get("status").asString()).isEqualTo("succeeded");

        // A PATCH that omits client_secret keeps it (same method); the token stays valid.
        Api.Res patched = api.patch("/api/v1/webhooks/" + id, "{\"auth\":{\"oauth_client_credentials\":{\"token_url\":\"" + server.url("/token")
                + "\",\"client_id\":\"" + CLIENT_ID + "\",\"scopes\":\"email.send other\"}}}");
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.json().at("/auth/oauth_client_credentials/scopes").asString()).isEqualTo("email.send other");
        assertThat(Deliveries.publishAndAwait(api, "a.b").get("status").asString()).isEqualTo("succeeded");
        assertThat(form(tokenRequests().get(tokenRequests().size() - 1).bodyText())).containsEntry("scope", "email.send other");

        String stored = herald.herald().database().read(h -> h.createQuery("SELECT auth_enc || auth_view FROM webhooks").mapTo(String.class).one());
        assertThat(stored).doesNotContain(CLIENT_SECRET).doesNotContain("odd&chars");
    }
}
