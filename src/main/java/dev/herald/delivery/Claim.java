package dev.herald.delivery;

/**
 * A delivery leased to this node for one attempt. {@code attempts} counts attempts made before this one;
 * {@code leaseUntil} is this claim's lease, which fences its outcome: once the lease was taken back and
 * the delivery claimed again (even by the same worker), this claim's late outcome no longer moves it.
 */
public record Claim(String id, String projectId, String messageId, String channel, String targetId, int attempts, int schedulePos, long leaseUntil) {
    /** The same delivery under the lease {@code until}. */
    Claim leased(long until) {
        return new Claim(id, projectId, messageId, channel, targetId, attempts, schedulePos, until);
    }
}
