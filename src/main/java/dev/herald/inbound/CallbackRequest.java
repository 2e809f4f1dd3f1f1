package dev.herald.inbound;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One provider callback as Herald received it, free of any HTTP library's types: the method, the URL the
 * provider called (Herald's public URL, the path and the query, as the user pasted it into the provider:
 * several schemes sign it), the headers (names lower-cased), the raw body bytes and the peer's address.
 */
public record CallbackRequest(String method, String url, Map<String, List<String>> headers, byte[] body, String remoteAddress) {
    public CallbackRequest {
        Map<String, List<String>> h = new LinkedHashMap<>();
        headers.forEach((k, v) -> h.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
        headers = Map.copyOf(h);
        body = body == null ? new byte[0] : body;
    }

    /** The first value of a header, or null. */
    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** How many values a header has (a signature header given twice is refused). */
    public int headerCount(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null ? 0 : v.size();
    }

    /**
     * Why the request is refused when one of these headers is missing or given more than once (a
     * signature header given twice could carry a forged value beside a real one), or null when each is
     * there exactly once. Headers are checked in the order given.
     */
    public String notExactlyOnce(String... names) {
        for (String h : names) {
            if (headerCount(h) == 0) return "missing " + h + " header";
            if (headerCount(h) > 1) return h + " header given more than once";
        }
        return null;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The query string of {@link #url} (undecoded), or "". */
    public String rawQuery() {
        int q = url.indexOf('?');
        return q < 0 ? "" : url.substring(q + 1);
    }

    /** Decodes {@code application/x-www-form-urlencoded} text into an ordered multimap. */
    public static Map<String, List<String>> form(String text) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (text == null || text.isEmpty()) return out;
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }
}
