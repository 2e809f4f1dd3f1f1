package dev.herald.inbound;

import dev.herald.util.JsonBody;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One provider's callbacks: which credentials it needs, how its requests are verified (its own
 * signature scheme), and how its payload maps to {@link StatusItem}s. Implementations are stateless;
 * {@link Providers} holds them by name.
 *
 * <p>Hazard: {@link #verify} runs on untrusted input before anything else; it must compare secrets in
 * constant time ({@code signing.Hmac.equal}), refuse a signature header given twice, and never parse the
 * body before the signature over it is checked.
 */
public interface Provider {
    String name();

    /** Checks the credentials a user gave ({@code credentials} object of the request) and returns them as stored. */
    Map<String, String> credentials(JsonBody in);

    /** The credentials Herald generates itself (the email_status secret), shown once; none by default. */
    default Map<String, String> generated() {
        return Map.of();
    }

    /** Checks the {@code options} object; returns them as stored (defaults filled in). */
    default Map<String, Object> options(JsonBody in) {
        if (in != null) in.only(java.util.Set.of());
        return Map.of();
    }

    /** Verifies a callback: null when it is authentic, else why not (recorded, never the body). */
    String verify(CallbackRequest r, Source source, Instant now);

    /** The verified payload as status items. A payload it cannot read throws {@link dev.herald.util.Problem} (400). */
    List<StatusItem> parse(CallbackRequest r, Source source);

    /** An unsigned GET handshake the provider makes when a callback URL is set up (Meta's hub.challenge); empty: none. */
    default Optional<Handshake> handshake(CallbackRequest r, Source source) {
        return Optional.empty();
    }

    /**
     * Whether a GET to the callback URL is a callback, verified and read like a POST, rather than a
     * handshake: MessageBird's SMS status reports and Vonage's SMS webhooks come as GETs unless set otherwise.
     */
    default boolean callbacksByGet() {
        return false;
    }

    /** A handshake's answer: {@code accepted} with the body to echo, or refused. */
    record Handshake(boolean accepted, String body, String reason) {}

    /** What verification and parsing may read of a source, and {@code sns}: the network SNS callbacks need (signing certificates, confirmations). */
    record Source(String id, String projectId, Map<String, String> credentials, Map<String, Object> options, java.time.Duration tolerance,
                  SnsClient sns) {
        public String credential(String name) {
            return credentials.get(name);
        }
    }
}
