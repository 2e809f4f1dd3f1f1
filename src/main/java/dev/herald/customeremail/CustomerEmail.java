package dev.herald.customeremail;

/**
 * A customer email draft and what became of it. {@code payload} is the frozen approval artifact: the exact
 * bytes that will be sent, with their SHA-256 in {@code payloadSha256}.
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
        long updatedAt) {

    public static final String PENDING = "pending_review";
    public static final String APPROVED = "approved";
    public static final String REJECTED = "rejected";
    public static final String SENT = "sent";
    public static final String FAILED = "failed";
    public static final java.util.List<String> STATUSES = java.util.List.of(PENDING, APPROVED, REJECTED, SENT, FAILED);
}
