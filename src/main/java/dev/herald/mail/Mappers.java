package dev.herald.mail;

import dev.herald.templates.Templates;
import dev.herald.util.Json;
import dev.herald.util.Problem;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a route sends: the generic document itself ({@code generic_json}), a Slack incoming-webhook
 * message ({@code slack_simple}), or the user's JSON template over the generic document
 * ({@code custom_json}: JMustache, every value JSON-escaped, on the same render budget as email
 * templates; the output must be JSON). The output bytes are the request body, unchanged.
 */
public final class Mappers {
    public static final String GENERIC = "generic_json";
    public static final String SLACK = "slack_simple";
    public static final String CUSTOM = "custom_json";
    public static final List<String> NAMES = List.of(GENERIC, SLACK, CUSTOM);
    private static final int SLACK_TEXT_CHARS = 3000;
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private Mappers() {}

    /** Compiles a custom_json template and proves it renders JSON for a sample message; refusals name {@code field}. */
    static Templates.Compiled compile(String template, String field) {
        if (template.length() > 65_536) throw Problem.invalid(field, "'" + field + "' must be at most 65536 characters");
        Templates.Compiled c = Templates.compile(Templates.Part.JSON, template, field);
        String out = Templates.render(Templates.Part.JSON, c, context(SampleMail.document()), "the custom_json template", field);
        try {
            JsonNode n = Json.parse(out);
            if (!n.isObject() && !n.isArray()) throw new IllegalArgumentException("not an object or array");
        } catch (RuntimeException e) {
            throw Problem.invalid(field, "'" + field + "' does not render a JSON object or array for a sample message: " + firstLine(e.getMessage()));
        }
        return c;
    }

    /** The body a route sends for {@code doc}; a custom template that fails on this message throws {@link Problem}. */
    static byte[] render(String mapper, Templates.Compiled template, ObjectNode doc) {
        return switch (mapper) {
            case GENERIC -> GenericJson.bytes(doc);
            case SLACK -> Json.bytes(slack(doc));
            case CUSTOM -> {
                String out = Templates.render(Templates.Part.JSON, template, context(doc), "the custom_json template", "template");
                try {
                    Json.parse(out);
                } catch (RuntimeException e) {
                    throw Problem.invalid("template", "the custom_json template rendered invalid JSON for this message: " + firstLine(e.getMessage()));
                }
                yield out.getBytes(StandardCharsets.UTF_8);
            }
            default -> throw new IllegalArgumentException("unknown mapper " + mapper);
        };
    }

    /** A Slack incoming-webhook message: who wrote, to whom, the subject, and the reply text (or body) cut to 3000 characters. */
    static ObjectNode slack(ObjectNode doc) {
        JsonNode from = doc.path("from");
        String sender = from.has("name") ? from.get("name").asString() + " <" + from.path("address").asString() + ">" : from.path("address").asString("(no sender)");
        StringBuilder to = new StringBuilder();
        for (JsonNode r : doc.path("envelope").path("rcpt_to")) to.append(to.isEmpty() ? "" : ", ").append(r.asString());
        JsonNode body = doc.path("body");
        String text = body.has("reply_text") ? body.get("reply_text").asString() : body.path("text").asString("");
        if (text.length() > SLACK_TEXT_CHARS) text = text.substring(0, SLACK_TEXT_CHARS) + "…";
        int attachments = body.path("attachments").size();
        StringBuilder t = new StringBuilder();
        t.append("*New email* from ").append(escape(sender)).append(" to ").append(escape(to.toString())).append('\n');
        t.append("*Subject:* ").append(escape(doc.path("subject").asString("(no subject)"))).append('\n');
        if (!text.isBlank()) t.append('\n').append(escape(text.strip())).append('\n');
        if (attachments > 0) t.append("\n_").append(attachments).append(attachments == 1 ? " attachment_" : " attachments_");
        ObjectNode n = Json.object();
        n.put("text", t.toString().strip());
        return n;
    }

    /** Slack's three control characters in message text. */
    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static Map<String, Object> context(ObjectNode doc) {
        return Json.MAPPER.convertValue(doc, MAP);
    }

    private static String firstLine(String m) {
        if (m == null) return "";
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
