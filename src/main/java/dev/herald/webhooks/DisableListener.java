package dev.herald.webhooks;

import org.jdbi.v3.core.Handle;

/**
 * Told when a webhook is disabled automatically, inside the transaction that disables it (so what it
 * writes, such as an email to the operators, commits with the disabling or not at all). Must not
 * throw: a failure here would undo the disabling and the attempt records written with it.
 */
@FunctionalInterface
public interface DisableListener {
    DisableListener NONE = (h, w, reason, now) -> {};

    void disabled(Handle h, Webhook webhook, String reason, long now);
}
