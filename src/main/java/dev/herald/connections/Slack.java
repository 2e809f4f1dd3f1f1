package dev.herald.connections;

import dev.herald.outbound.OutboundClient;
import dev.herald.outbound.OutboundRequest;
import dev.herald.outbound.OutboundResponse;
import dev.herald.util.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posting a message through a Slack connection: to its incoming-webhook URL, or with its bot token to
 * {@code chat.postMessage}. Both go through the one outbound client and its policy.
 */
public final class Slack {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Slack() {}

    /** The request that posts {@code text}; {@code channel} may be null for an incoming webhook (its channel is fixed). */
    public static OutboundRequest request(ConnectionDetails.Slack s, String channel, String text) {
        return request(s, body(channel, text));
    }

    /** The JSON Slack takes: {@code {"channel", "text"}}. */
    public static byte[] body(String channel, String text) {
        ObjectNode body = Json.object();
        if (channel != null) body.put("channel", channel);
        body.put("text", text);
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Escapes text for Slack's mrkdwn (&, < and >). */
    public static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** The request that posts a prepared body. */
    public static OutboundRequest request(ConnectionDetails.Slack s, byte[] bytes) {
        if (s.webhookUrl() != null) return OutboundRequest.postJson(URI.create(s.webhookUrl()), Map.of(), bytes, TIMEOUT);
        return new OutboundRequest("POST", URI.create(ConnectionDetails.Slack.POST_MESSAGE_URL), Map.of("Authorization", "Bearer " + s.botToken()),
                bytes, "application/json; charset=utf-8", TIMEOUT, 0, OutboundClient.CAPTURE_BYTES);
    }

    /** Null when Slack took the message; else why not. The Web API answers 200 with {@code "ok": false} on errors. */
    public static String failure(ConnectionDetails.Slack s, OutboundResponse r) {
        if (!r.isSuccess()) return "Slack answered " + r.status();
        if (s.botToken() == null) return null;
        try {
            JsonNode json = Json.parse(new String(r.captured(), StandardCharsets.UTF_8));
            if (json.path("ok").asBoolean(false)) return null;
            return "Slack refused the message: " + json.path("error").asString("unknown error");
        } catch (RuntimeException e) {
            return "Slack's answer is not the JSON the Web API sends";
        }
    }
}
