package dev.herald.signing;

import java.util.List;
import java.util.Map;

/**
 * One way of signing a request body. Implementations are stateless; {@link Signers} holds them by name.
 *
 * <p>{@code keys.current()} is the webhook's secret; {@code keys.previous()} is the secret it replaced,
 * present only during a rotation's grace period. A scheme that can carry one signature signs with the
 * previous secret while it is present (receivers that have not yet installed the new secret keep
 * verifying); a scheme that carries several signs with both.
 */
public interface SignatureScheme {
    String name();

    /** Whether the header name can be chosen per webhook. */
    boolean headerConfigurable();

    String defaultHeader();

    /** The headers carrying the signature of {@code body}. */
    Map<String, String> sign(Input input);

    /** What a scheme signs: the exact body bytes, the delivery id (stable across attempts) and the attempt time. */
    record Input(String deliveryId, long timestampSeconds, byte[] body, Keys keys, String header) {}

    /** The secrets in force for one request. */
    record Keys(WebhookSecret current, WebhookSecret previous) {
        public List<WebhookSecret> all() {
            return previous == null ? List.of(current) : List.of(current, previous);
        }

        /** The secret a single-signature scheme uses now. */
        public WebhookSecret single() {
            return previous != null ? previous : current;
        }
    }
}
