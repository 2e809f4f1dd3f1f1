package dev.herald.mail;

import dev.herald.util.Json;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Which received mail goes to which endpoints, in what shape. Routes are tried by priority (lowest first), then age. */
public record Route(String id, String projectId, String name, int priority, Match match, String mapper, String template, List<String> endpointIds,
                    boolean stop, boolean enabled, long createdAt, long updatedAt) {

    public ObjectNode json() {
        ObjectNode n = Json.object();
        n.put("id", id);
        n.put("name", name);
        n.put("priority", priority);
        n.set("match", match.json());
        n.put("mapper", mapper);
        if (template != null) n.put("template", template);
        ArrayNode e = n.putArray("endpoint_ids");
        endpointIds.forEach(e::add);
        n.put("stop", stop);
        n.put("enabled", enabled);
        n.put("created_at", Instant.ofEpochMilli(createdAt).toString());
        n.put("updated_at", Instant.ofEpochMilli(updatedAt).toString());
        return n;
    }
}
