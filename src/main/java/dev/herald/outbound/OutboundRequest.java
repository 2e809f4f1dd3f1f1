package dev.herald.outbound;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** One POST to a target. Headers are applied in order; the caller decides which win. */
public record OutboundRequest(URI url, Map<String, String> headers, byte[] body, Duration timeout) {}
