package dev.herald.outbound;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * One request to a target. Headers are applied as given (the caller decides which win);
 * {@code maxResponseBytes} (0: the client's default) caps what is read of the answer and
 * {@code captureBytes} how much of it is kept.
 */
public record OutboundRequest(String method, URI url, Map<String, String> headers, byte[] body, String contentType, Duration timeout,
                              long maxResponseBytes, int captureBytes) {

    /** A JSON POST with the default limits: what webhook deliveries send. */
    public static OutboundRequest postJson(URI url, Map<String, String> headers, byte[] body, Duration timeout) {
        return new OutboundRequest("POST", url, headers, body, "application/json", timeout, 0, OutboundClient.CAPTURE_BYTES);
    }

    public OutboundRequest withHeaders(Map<String, String> replaced) {
        return new OutboundRequest(method, url, replaced, body, contentType, timeout, maxResponseBytes, captureBytes);
    }

    public OutboundRequest withTimeout(Duration t) {
        return new OutboundRequest(method, url, headers, body, contentType, t, maxResponseBytes, captureBytes);
    }
}
