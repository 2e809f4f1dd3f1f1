package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.RawHttp;
import dev.herald.support.TestHerald;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One request, one credential: two are refused whichever they are, and every 401 says how to authenticate. */
class CredentialsTest {
    static TestHerald herald;
    static Api admin;
    static String adminKey;
    static String viewerKey;

    @BeforeAll
    static void start() {
        herald = TestHerald.start();
        admin = herald.newProject("creds");
        adminKey = admin.post("/api/v1/api-keys", "{\"name\":\"second admin\",\"role\":\"CLIENT_ADMIN\"}").str("api_key");
        viewerKey = admin.post("/api/v1/api-keys", "{\"name\":\"viewer\",\"role\":\"VIEWER\"}").str("api_key");
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    private static RawHttp.Res get(String... headers) {
        return send("GET", "/api/v1/webhooks", null, headers);
    }

    private static RawHttp.Res send(String method, String path, String body, String... headers) {
        List<String[]> h = new java.util.ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) h.add(new String[] {headers[i], headers[i + 1]});
        if (body != null) h.add(new String[] {"Content-Type", "application/json"});
        return RawHttp.send(herald.port(), method, path, h, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    private static void refusedAsAmbiguous(RawHttp.Res r, String field) {
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/code").asString()).isEqualTo("invalid_request");
        assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
        assertThat(r.json().at("/error/message").asString()).contains("one credential");
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"herald\", error=\"invalid_request\"");
    }

    @Test
    void twoCredentialsInOneRequestAreRefusedWhetherOrNotTheyAreValid() {
        // The case: a bogus bearer beside a valid X-Api-Key was accepted.
        refusedAsAmbiguous(get("Authorization", "Bearer bogus", "X-Api-Key", adminKey), "X-Api-Key");
        refusedAsAmbiguous(get("Authorization", "Bearer " + adminKey, "X-Api-Key", "bogus"), "X-Api-Key");
        refusedAsAmbiguous(get("Authorization", "Bearer " + viewerKey, "X-Api-Key", adminKey), "X-Api-Key");
        refusedAsAmbiguous(get("Authorization", "Basic dTpw", "X-Api-Key", adminKey), "X-Api-Key");
        refusedAsAmbiguous(get("Authorization", "Bearer " + viewerKey, "Authorization", "Bearer " + adminKey), "Authorization");
        refusedAsAmbiguous(get("Authorization", "Bearer " + adminKey, "Authorization", "Bearer " + adminKey), "Authorization");
        refusedAsAmbiguous(get("X-Api-Key", viewerKey, "X-Api-Key", adminKey), "X-Api-Key");
        refusedAsAmbiguous(get("X-Api-Key", "bogus", "x-api-key", adminKey), "X-Api-Key");

        // With two valid keys the second's role used to win: a viewer's key plus an admin's wrote nothing.
        RawHttp.Res write = send("POST", "/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/a\",\"events\":[\"*\"]}",
                "X-Api-Key", viewerKey, "Authorization", "Bearer " + adminKey);
        refusedAsAmbiguous(write, "X-Api-Key");
        assertThat(admin.get("/api/v1/webhooks").json().get("data").size()).isZero();

        // One credential, either way, still works.
        assertThat(get("Authorization", "Bearer " + viewerKey).status()).isEqualTo(200);
        assertThat(get("X-Api-Key", viewerKey).status()).isEqualTo(200);
    }

    @Test
    void every401CarriesWwwAuthenticate() {
        String[][] unauthenticated = {{}, {"Authorization", "Bearer bogus"}, {"X-Api-Key", "bogus"}, {"Authorization", "Basic dTpw"},
            {"Authorization", "Bearer "}, {"Authorization", "Bearer"}, {"X-Api-Key", ""}, {"Authorization", "bearer hk_" + "x".repeat(40)}};
        for (String[] h : unauthenticated) {
            for (String[] route : new String[][] {{"GET", "/api/v1/webhooks"}, {"POST", "/api/v1/events"}, {"GET", "/api/v1/nothing-here"}}) {
                RawHttp.Res r = send(route[0], route[1], route[0].equals("POST") ? "{}" : null, h);
                assertThat(r.status()).as(String.join(" ", h) + " " + route[1] + " => " + r).isEqualTo(401);
                assertThat(r.json().at("/error/code").asString()).isEqualTo("unauthorized");
                assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"herald\"");
            }
        }
    }
}
