package dev.herald.support;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Sending emails through the API in tests, against an {@link SmtpSink}. */
public final class Emails {
    private Emails() {}

    /** Settings for a Herald that sends to {@code sink} over plain SMTP, with quick retries. */
    public static Map<String, String> smtp(SmtpSink sink, String... more) {
        Map<String, String> s = new HashMap<>();
        s.put("NOTIFICATION_TRANSPORT", "smtp");
        s.put("NOTIFICATION_SMTP_HOST", "127.0.0.1");
        s.put("NOTIFICATION_SMTP_PORT", Integer.toString(sink.port()));
        s.put("NOTIFICATION_SMTP_FROM", "Herald Test <noreply@herald.test>");
        s.put("NOTIFICATION_SMTP_TIMEOUT", "10s");
        s.put("NOTIFICATION_SMTP_RETRY_SCHEDULE", "100ms,100ms");
        for (int i = 0; i < more.length; i += 2) s.put(more[i], more[i + 1]);
        return s;
    }

    /** Posts an email; asserts the 202 and returns its id. */
    public static String send(Api api, String body) {
        Api.Res r = api.post("/api/v1/emails", body);
        if (r.status() != 202) throw new AssertionError("email not accepted: " + r);
        return r.str("id");
    }

    /** Polls the email until it is no longer pending; returns its JSON. */
    public static JsonNode awaitFinal(Api api, String id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = api.get("/api/v1/emails/" + id).json();
            if (!last.get("status").asString().equals("pending")) return last;
            Receiver.sleep(20);
        }
        throw new AssertionError("email " + id + " still pending after " + timeout + ": " + last);
    }
}
