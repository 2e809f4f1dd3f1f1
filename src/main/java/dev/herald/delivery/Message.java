package dev.herald.delivery;

/** An immutable message: the exact bytes every delivery of it sends and signs. */
public record Message(String id, String projectId, String kind, String type, byte[] body, long createdAt) {}
