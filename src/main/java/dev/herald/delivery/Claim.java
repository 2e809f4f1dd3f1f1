package dev.herald.delivery;

/** A delivery leased to this node for one attempt. {@code attempts} counts attempts made before this one. */
public record Claim(String id, String projectId, String messageId, String channel, String targetId, int attempts, int schedulePos) {}
