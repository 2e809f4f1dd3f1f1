package dev.herald.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.CapturedLogs;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every credential a user hands Herald stays out of the logs, at every level, through failures too. */
class SecretsNeverLoggedTest {
    static final List<String> SECRETS = List.of("sk-bearer-SECRET1", "basic-SECRET2", "oauth-SECRET3", "static-SECRET4", "signing-SECRET5",
            "slack-SECRET6");

    @Test
    void noCredentialAppearsInAnyLogLine() {
        CapturedLogs logs = CapturedLogs.start();
        try (Receiver receiver = new Receiver(); TestHerald h = TestHerald.start()) {
            receiver.on("/token", Receiver.Reply.status(401).withBody("{\"error\":\"invalid_client\"}".getBytes()));
            receiver.on("/fail", Receiver.Reply.status(500));
            Api api = h.newProject("secrets");
            String[] auths = {"{\"bearer_token\":{\"token\":\"sk-bearer-SECRET1\"}}", "{\"basic_auth\":{\"username\":\"u\",\"password\":\"basic-SECRET2\"}}",
                "{\"oauth_client_credentials\":{\"token_url\":\"" + receiver.url("/token") + "\",\"client_id\":\"c\",\"client_secret\":\"oauth-SECRET3\"}}",
                "{\"static_headers\":{\"headers\":{\"X-API-Key\":\"static-SECRET4\"}}}"};
            for (String auth : auths) {
                api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/fail") + "\",\"events\":[\"*\"],\"retry_schedule\":[],\"auth\":" + auth + "}");
            }
            api.post("/api/v1/connections", "{\"name\":\"mail\",\"connection_details\":{\"email_webhook\":{\"base_url\":\"" + receiver.url("/fail")
                    + "\",\"webhook_signing_secret\":\"signing-SECRET5\",\"oauth_client_credentials\":{\"token_url\":\"" + receiver.url("/token")
                    + "\",\"client_id\":\"c\",\"client_secret\":\"oauth-SECRET3\"}}}}");
            api.post("/api/v1/connections", "{\"name\":\"slack\",\"connection_details\":{\"slack\":{\"webhook_url\":\"" + receiver.url("/fail?k=slack-SECRET6") + "\"}}}");
            api.post("/api/v1/connections/mail/test", "");
            api.post("/api/v1/connections/slack/test", "");
            api.post("/api/v1/connections", "{\"name\":\"bad\",\"connection_details\":{\"http\":{\"base_url\":\"ftp://x\",\"bearer_token\":{\"token\":\"sk-bearer-SECRET1\"}}}}");
            String eventId = api.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}").str("id");
            // The failures (and whatever they log) have all happened: each webhook's one delivery is dead-lettered.
            Await.until("the four deliveries of " + eventId + " dead", () -> api.get("/api/v1/deliveries?event_id=" + eventId).json().get("data"),
                    l -> l.size() == 4 && l.findValues("status").stream().allMatch(s -> s.asString().equals("dead")));
        } finally {
            logs.close();
        }
        assertThat(logs.lines()).as("the scenario logged something").isNotEmpty();
        for (CapturedLogs.Line line : logs.lines()) {
            for (String s : SECRETS) assertThat(line.text()).as("log line from " + line.logger()).doesNotContain(s);
        }
    }
}
