package dev.herald.inbound;

import java.util.Map;

/** A provider's callback endpoint in a project. Its credentials are never part of it: they stay sealed until a callback is verified. */
public record InboundSource(String id, String projectId, String name, String provider, Map<String, Object> options, long createdAt, long updatedAt) {
    /** The context the source's credentials are sealed with. */
    static String credentialsContext(String id) {
        return "inbound-source:" + id;
    }
}
