package dev.herald.connections;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.TestHerald;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** An http connection's allowed_routes: a route no request path could ever match is refused when it is set. */
class AllowedRoutesTest {
    static TestHerald herald;
    static Api api;

    @BeforeAll
    static void start() {
        herald = TestHerald.start();
        api = herald.newProject("routes");
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    private static Api.Res create(String name, String route) {
        return api.post("/api/v1/connections", "{\"name\":\"" + name + "\",\"connection_details\":{\"http\":{\"base_url\":\"https://x.example.com\","
                + "\"allowed_routes\":[\"" + route + "\"]}}}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET /../admin", "GET /v1/../admin", "POST /v1/..", "GET /v1/..*", "GET //admin", "GET /v1//notes",
            "GET /./v1", "GET /v1/./notes/*", "GET /v1/%2e%2e/admin", "GET /v1/%2E/x", "GET /v1%2fadmin", "GET /v1/%5cadmin", "GET /v1/%zz",
            "GET /v1/a..b"})
    void nonNormalizedRoutesAreRefusedNamingTheField(String route) {
        Api.Res r = create("bad", route);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo("connection_details.http.allowed_routes");
        assertThat(r.json().at("/error/message").asString()).contains(route).contains("normalized");
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST /", "GET /v1/status", "POST /v1/notes/*", "GET /v1/.*", "GET /v1/a.b/c", "GET /v1/%41", "GET /v1/"})
    void normalizedRoutesAreAccepted(String route) {
        String name = "ok-" + Integer.toHexString(route.hashCode());
        Api.Res r = create(name, route);
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        api.delete("/api/v1/connections/" + name);
    }
}
