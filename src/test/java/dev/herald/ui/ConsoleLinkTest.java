package dev.herald.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.projects.ApiKeys;
import dev.herald.projects.Projects;
import dev.herald.projects.Role;
import dev.herald.support.MutableClock;
import dev.herald.support.TestHerald;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One-time console sign-in links ({@code herald admin console-link}, exercised end to end in
 * AdminCommandsTest) on an injected clock: a link is good until its lifetime ends and not after,
 * and its lifetime is bounded.
 */
class ConsoleLinkTest {
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void aLinkExpiresAtItsLifetimeOnTheInjectedClock() throws Exception {
        MutableClock clock = new MutableClock();
        try (TestHerald herald = TestHerald.start(Map.of(), clock)) {
            var db = herald.herald().database();
            String project = new Projects(db, clock).create("links").projectId();
            ApiKeys keys = new ApiKeys(db, clock);
            String operator = keys.operatorKey(project, "night shift", Role.CLIENT_ADMIN);
            ReviewSessions sessions = ReviewSessions.console(db, keys, clock, false);
            String token = ReviewSessions.createLink(db, clock, project, operator, Duration.ofMinutes(10));
            String other = ReviewSessions.createLink(db, clock, project, operator, Duration.ofMinutes(10));

            // The clock runs with real time plus what the test adds: 30 s is more than this test takes.
            clock.advance(Duration.ofMinutes(10).minusSeconds(30));
            assertThat(sessions.link(token)).hasValueSatisfying(l -> {
                assertThat(l.keyName()).isEqualTo("night shift");
                assertThat(l.role()).isEqualTo(Role.CLIENT_ADMIN);
                assertThat(l.projectName()).isEqualTo("links");
            });
            assertThat(sessions.redeem(token)).as("shortly before its end").isPresent();

            clock.advance(Duration.ofSeconds(30));
            assertThat(sessions.link(other)).as("at its end").isEmpty();
            assertThat(sessions.redeem(other)).isEmpty();
            HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + herald.port() + ReviewSessions.LINK_PATH + "?token=" + other))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(401);
            assertThat(page.body()).contains("expired");

            for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), ReviewSessions.LINK_MAX_LIFETIME.plusSeconds(1)}) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReviewSessions.createLink(db, clock, project, operator, bad))
                        .isInstanceOf(IllegalArgumentException.class);
            }
            assertThat(keys.operatorKey(project, "night shift", Role.VIEWER)).as("another role: another key").isNotEqualTo(operator);
        }
    }
}
