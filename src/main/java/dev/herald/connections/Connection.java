package dev.herald.connections;

/** A named connection as stored: its details sealed, plus their redacted view for reading back. */
public record Connection(String id, String projectId, String name, String displayName, String description, String type,
                         String detailsSealed, String detailsView, long createdAt, long updatedAt) {

    /** The context the details are sealed with. */
    public static String context(String id) {
        return "connection:" + id;
    }
}
