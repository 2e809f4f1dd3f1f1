package dev.herald.webhooks;

import dev.herald.delivery.Ingress;

/**
 * Told when a webhook is disabled automatically, inside the transaction that disables it (so what it
 * writes, such as an email to the operators, commits with the disabling or not at all). Must not
 * throw: a failure here would undo the disabling and the attempt records written with it.
 */
@FunctionalInterface
public interface DisableListener {
    DisableListener NONE = (q, w, reason) -> {};

    /** {@code q} is the disabling write: what the listener queues commits with it. */
    void disabled(Ingress.Queue q, Webhook webhook, String reason);
}
