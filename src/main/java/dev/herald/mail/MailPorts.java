package dev.herald.mail;

import dev.herald.delivery.Ingress;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * What inbound mail needs from other features, wired by the composition root (features do not import
 * each other): publishing the {@code email.received} event, and telling Herald's own sent mail.
 */
public final class MailPorts {
    private MailPorts() {}

    /** Publishes a Herald event in the write under way; returns the event id. */
    @FunctionalInterface
    public interface Events {
        String publish(Ingress.Queue q, String projectId, String type, ObjectNode data);
    }

    /** The id of the email Herald sent in {@code projectId} with this Message-ID, if any: mail that came back (a loop). */
    @FunctionalInterface
    public interface SentMail {
        Optional<String> byMessageId(Ingress.Queue q, String projectId, String messageId);
    }
}
