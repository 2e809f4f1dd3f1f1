package dev.herald.util;

import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON mapper. Duplicate keys in input are rejected (they make signed payloads ambiguous), and
 * decimal numbers are kept exactly as given (BigDecimal), so event data is never rounded on its way
 * into the signed body.
 */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(tools.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private Json() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    public static JsonNode parse(String text) {
        return MAPPER.readTree(text);
    }

    public static JsonNode parse(byte[] bytes) {
        return MAPPER.readTree(bytes);
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot serialize JSON", e);
        }
    }

    public static byte[] bytes(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    /**
     * A cursor page {@code {"data": [...], "next_cursor"}} from up to {@code limit + 1} rows read newest
     * first: the extra row only tells that more exist, and the cursor is the {@code id} of the last row shown.
     */
    public static ObjectNode page(List<ObjectNode> rows, int limit) {
        ObjectNode page = object();
        ArrayNode data = page.putArray("data");
        for (int i = 0; i < Math.min(rows.size(), limit); i++) data.add(rows.get(i));
        page.put("next_cursor", rows.size() > limit ? rows.get(limit - 1).get("id").asString() : null);
        return page;
    }
}
