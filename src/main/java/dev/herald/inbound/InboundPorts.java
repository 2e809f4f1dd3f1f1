package dev.herald.inbound;

import dev.herald.delivery.Ingress;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * What provider callbacks need from other features, wired by the composition root (features do not
 * import each other): publishing a Herald event, and finding the email Herald sent under a Message-ID.
 */
public final class InboundPorts {
    private InboundPorts() {}

    /** Publishes a Herald event in the write under way; returns the event id. */
    @FunctionalInterface
    public interface Events {
        String publish(Ingress.Queue q, String projectId, String type, ObjectNode data);
    }

    /** The id of the email Herald sent in {@code projectId} with this Message-ID (angle brackets optional), if any. */
    @FunctionalInterface
    public interface Emails {
        Optional<String> byMessageId(Ingress.Queue q, String projectId, String messageId);

        Emails NONE = (q, p, m) -> Optional.empty();
    }
}
