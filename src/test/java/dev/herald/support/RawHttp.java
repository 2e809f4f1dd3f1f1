package dev.herald.support;

import dev.herald.util.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * HTTP/1.1 written by hand over a socket, for what a well-behaved client cannot send: malformed
 * request lines and paths, duplicate headers, oversized headers, bytes that are not UTF-8. Each request
 * is sent with {@code Connection: close} and the answer read to the end.
 */
public final class RawHttp {
    private RawHttp() {}

    /** An answer: status, headers (names in lower case, last value wins), body as text. */
    public record Res(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The body as JSON, or null when it is not JSON. */
        public JsonNode json() {
            try {
                return Json.parse(body);
            } catch (RuntimeException e) {
                return null;
            }
        }

        @Override
        public String toString() {
            return status + " " + headers.get("content-type") + " " + body.substring(0, Math.min(300, body.length()));
        }
    }

    /** {@code method target} with {@code headers} (name, value pairs, repeats allowed) and an optional body. */
    public static Res send(int port, String method, String target, List<String[]> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (String[] h : headers) head.append(h[0]).append(": ").append(h[1]).append("\r\n");
        if (body != null) head.append("Content-Length: ").append(body.length).append("\r\n");
        head.append("\r\n");
        ByteArrayOutputStream req = new ByteArrayOutputStream();
        req.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) req.writeBytes(body);
        return exchange(port, req.toByteArray());
    }

    /** Sends {@code request} exactly as given and reads the answer. */
    public static Res exchange(int port, byte[] request) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            return parse(readAll(s.getInputStream()));
        } catch (IOException e) {
            throw new IllegalStateException("raw request failed: " + e, e);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) out.write(buf, 0, n);
        } catch (java.net.SocketException reset) {
            // the server may close (reset) after answering a request whose body it did not read
            if (out.size() == 0) throw reset;
        }
        return out.toByteArray();
    }

    /**
     * One answer with a {@code Content-Length} body, read off a connection without waiting for its end (for
     * a client that goes on using the connection, or checks how it ends).
     */
    public static Res readOne(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed after " + head.size() + " bytes of an answer");
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        Res res = head(head.toString(StandardCharsets.UTF_8));
        byte[] body = in.readNBytes(Integer.parseInt(res.headers().getOrDefault("content-length", "0")));
        return new Res(res.status(), res.headers(), new String(body, StandardCharsets.UTF_8));
    }

    private static Res parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) throw new IllegalStateException("no complete answer: " + text);
        Res res = head(text.substring(0, end));
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(res.header("transfer-encoding"))) body = dechunk(body);
        return new Res(res.status(), res.headers(), body);
    }

    /** The status line and headers of an answer (the text before the blank line), with an empty body. */
    private static Res head(String head) {
        String[] lines = head.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) continue;
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return new Res(status, headers, "");
    }

    private static String dechunk(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int eol = s.indexOf("\r\n", i);
            int size = Integer.parseInt(s.substring(i, eol).split(";")[0].trim(), 16);
            if (size == 0) break;
            out.append(s, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
