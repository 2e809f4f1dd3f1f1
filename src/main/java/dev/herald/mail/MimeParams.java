package dev.herald.mail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.ParserCursor;
import org.apache.james.mime4j.stream.RawBody;
import org.apache.james.mime4j.stream.RawFieldParser;
import org.apache.james.mime4j.util.ByteSequence;
import org.apache.james.mime4j.util.ContentUtil;

/**
 * A {@code Content-Type} or {@code Content-Disposition} value: the lower-case token and its parameters
 * (names lower-cased), with RFC 2231 extended values and continuations ({@code filename*=utf-8''a%20b},
 * {@code name*0*=...; name*1*=...}) joined and decoded, and RFC 2047 words in plain values decoded.
 */
record MimeParams(String value, Map<String, String> params, Map<String, String> rawParams) {
    private static final int MAX_PARAMS = 100;

    String get(String name) {
        return params.get(name);
    }

    /** A plain parameter as written (no RFC 2047 or 2231 decoding): for boundary and charset. */
    String raw(String name) {
        return rawParams.get(name);
    }

    static MimeParams parse(String header, Charsets charsets, Set<String> flags) {
        if (header == null || header.isBlank()) return new MimeParams(null, Map.of(), Map.of());
        try {
            ByteSequence raw = ContentUtil.encode(StandardCharsets.UTF_8, HeaderValues.mask(header));
            RawBody body = RawFieldParser.DEFAULT.parseRawBody(raw, new ParserCursor(0, raw.length()));
            String value = body.getValue() == null ? null : HeaderValues.unmask(body.getValue()).strip().toLowerCase(Locale.ROOT);
            Map<String, String> plain = new HashMap<>();
            Map<String, TreeMap<Integer, String[]>> extended = new HashMap<>();
            int n = 0;
            for (NameValuePair p : body.getParams()) {
                if (++n > MAX_PARAMS || p.getName() == null) break;
                String name = HeaderValues.unmask(p.getName()).strip().toLowerCase(Locale.ROOT);
                String v = p.getValue() == null ? "" : HeaderValues.unmask(p.getValue());
                int star = name.indexOf('*');
                if (star < 0) {
                    plain.putIfAbsent(name, v);
                    continue;
                }
                String base = name.substring(0, star);
                String rest = name.substring(star + 1);
                boolean encoded = rest.endsWith("*") || rest.isEmpty();
                String digits = rest.endsWith("*") ? rest.substring(0, rest.length() - 1) : rest;
                int index = 0;
                if (!digits.isEmpty()) {
                    if (digits.length() > 4 || !digits.chars().allMatch(Character::isDigit)) continue;
                    index = Integer.parseInt(digits);
                }
                extended.computeIfAbsent(base, k -> new TreeMap<>()).putIfAbsent(index, new String[] {v, encoded ? "*" : ""});
            }
            Map<String, String> params = new HashMap<>();
            plain.forEach((k, v) -> params.put(k, HeaderValues.decodeWords(v, charsets, flags)));
            extended.forEach((k, segments) -> params.put(k, join(segments, charsets, flags)));
            return new MimeParams(value, params, plain);
        } catch (RuntimeException e) {
            flags.add("malformed_mime");
            return new MimeParams(null, Map.of(), Map.of());
        }
    }

    /** RFC 2231: the first encoded segment may start with {@code charset'language'}; encoded segments are %-escaped. */
    private static String join(TreeMap<Integer, String[]> segments, Charsets charsets, Set<String> flags) {
        Charset charset = StandardCharsets.UTF_8;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean first = true;
        for (String[] seg : segments.values()) {
            String v = seg[0];
            boolean encoded = !seg[1].isEmpty();
            if (first && encoded) {
                int q1 = v.indexOf('\'');
                int q2 = q1 < 0 ? -1 : v.indexOf('\'', q1 + 1);
                if (q2 > 0) {
                    String cs = v.substring(0, q1).strip();
                    Charset found = cs.isEmpty() ? null : charsets.find(cs);
                    if (found != null) charset = found;
                    else if (!cs.isEmpty()) flags.add("unknown_charset");
                    v = v.substring(q2 + 1);
                }
            }
            first = false;
            if (encoded) percentDecode(v, bytes);
            else bytes.writeBytes(v.getBytes(StandardCharsets.UTF_8));
        }
        return new String(bytes.toByteArray(), charset);
    }

    private static void percentDecode(String v, ByteArrayOutputStream out) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '%' && i + 2 < v.length() && hex(v.charAt(i + 1)) >= 0 && hex(v.charAt(i + 2)) >= 0) {
                out.write(hex(v.charAt(i + 1)) * 16 + hex(v.charAt(i + 2)));
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                int cp = v.codePointAt(i);
                out.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }
}
