package dev.herald.customeremail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Review links point at the port Herald actually listens on when HERALD_PUBLIC_URL is not set, and at the setting when it is. */
class ReviewLinkTest {
    private static String draft(Api admin, Receiver receiver) {
        assertThat(admin.post("/api/v1/connections", "{\"name\":\"team-slack\",\"connection_details\":{\"slack\":{\"webhook_url\":\""
                + receiver.url("/slack") + "\"}}}").status()).isEqualTo(201);
        Api.Res mail = admin.post("/api/v1/connections", "{\"name\":\"mail\",\"connection_details\":{\"email_webhook\":{\"base_url\":\""
                + receiver.url("/mail") + "\",\"bearer_token\":{\"token\":\"t\"},\"slack_connection_name\":\"connections/team-slack\",\"slack_channel\":\"#review\"}}}");
        assertThat(mail.status()).as(mail.toString()).isEqualTo(201);
        Api.Res d = admin.post("/api/v1/customer-emails", CustomerEmailApiTest.draftBody("mail", "s-1", "Issue update"));
        assertThat(d.status()).as(d.toString()).isEqualTo(201);
        return d.str("review_url");
    }

    @Test
    void withoutHeraldPublicUrlReviewLinksUseTheBoundPort() {
        try (Receiver receiver = new Receiver(); TestHerald herald = TestHerald.start()) {
            assertThat(herald.port()).isPositive();
            String expected = "http://127.0.0.1:" + herald.port() + "/review/drafts/";
            String link = draft(herald.newProject("links"), receiver);
            assertThat(link).startsWith(expected);
            String slack = receiver.await("/slack", 1, Duration.ofSeconds(20)).get(0).bodyText();
            assertThat(slack).contains(link);
        }
    }

    @Test
    void anExplicitHeraldPublicUrlIsKeptAsGiven() {
        try (Receiver receiver = new Receiver(); TestHerald herald = TestHerald.start(Map.of("HERALD_PUBLIC_URL", "https://herald.example.com/base/"))) {
            assertThat(draft(herald.newProject("links"), receiver)).startsWith("https://herald.example.com/base/review/drafts/");
        }
    }
}
