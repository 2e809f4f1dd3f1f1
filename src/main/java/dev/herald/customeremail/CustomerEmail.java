package dev.herald.customeremail;

/**
 * A customer email draft and what became of it. {@code payload} is the frozen approval artifact: the exact
 * bytes that will be sent, with their SHA-256 in {@code payloadSha256}. {@code approvalDestinationSha256}
 * is the SHA-256 of the connection's destination the current approval was given for (null while not
 * approved): a send to any other destination is refused ({@link dev.herald.connections.Destination}).
 */
public record CustomerEmail(
        String id,
        String projectId,
        String connectionId,
        String connectionName,
        String sessionId,
        String issueUrl,
        byte[] payload,
        String payloadSha256,
        String status,
        String createdBy,
        String createdByName,
        long createdAt,
        String decidedBy,
        String decidedByName,
        Long decidedAt,
        String rejectReason,
        String messageId,
        String deliveryId,
        Long sentAt,
        String slackStatus,
        String slackDeliveryId,
        String slackError,
        long updatedAt,
        String approvalDestinationSha256) {

    public static final String PENDING = "pending_review";
    public static final String APPROVED = "approved";
    public static final String REJECTED = "rejected";
    public static final String SENT = "sent";
    public static final String FAILED = "failed";
    /**
     * One approval of a draft: who, when, and the payload and destination it was given for. It is
     * superseded ({@code supersededAt}, with the reason) when the destination changed after it.
     */
    public record Approval(String id, String by, String byName, long at, String payloadSha256, String destinationSha256, String destination,
                           Long supersededAt, String supersededReason) {}

    public static final java.util.List<String> STATUSES = java.util.List.of(PENDING, APPROVED, REJECTED, SENT, FAILED);
}
