package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.TestHerald;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A client that sends a whole body over the limit reads its {@code 413}: the server answers, then reads
 * (and throws away) a bounded excess before it closes the connection. Closing with the client's bytes
 * still unread resets the connection, and a reset can destroy the answer before the client reads it.
 */
class BodyLimitTest {
    /** The default limit for every route but the inbox: 1 MiB (the event size limit) plus 1 KiB. */
    private static final int LIMIT = (1 << 20) + 1024;

    private static TestHerald herald;
    private static String key;

    @BeforeAll
    static void start() {
        herald = TestHerald.start();
        key = herald.newProject("body-limit").post("/api/v1/api-keys", "{\"name\":\"k\",\"role\":\"PUBLISHER\"}").str("api_key");
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    private record Answer(int status, Map<String, String> headers, String body) {}

    @Test
    void aWholeOversizedBodyGetsIts413AndTheConnectionEndsCleanlyAfterTheServerReadIt() throws Exception {
        for (int size : new int[] {LIMIT + 1, LIMIT + 100_000, 3 * LIMIT}) {
            try (Socket s = new Socket("127.0.0.1", herald.port())) {
                s.setSoTimeout(30_000);
                byte[] head = ("POST /api/v1/events HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                byte[] body = new byte[size];
                Arrays.fill(body, (byte) 'x');
                OutputStream out = s.getOutputStream();
                // The body is written while the answer is read, as a client that streams its body does.
                CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                    try {
                        out.write(head);
                        out.write(body);
                        out.flush();
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                });
                InputStream in = s.getInputStream();
                Answer refused = read(in);
                assertThat(refused.status()).as("body of %d bytes", size).isEqualTo(413);
                assertThat(refused.body()).contains("\"payload_too_large\"");
                assertThat(refused.headers().get("connection")).isEqualTo("close");
                // The whole body was taken (the write did not fail), and only then was the connection closed:
                // an orderly end of stream, not a reset.
                sent.get();
                assertThat(in.read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void theJdkClientReadsThe413EveryTime() throws Exception {
        postThirtyTimes(key, 1_100_000, 413, "\"payload_too_large\"");
    }

    @Test
    void anErrorAnsweredBeforeTheBodyIsReadReachesTheClientEveryTime() throws Exception {
        // A bad key is refused before the (allowed) body is read: the rest of the body is read after the answer.
        postThirtyTimes("not-a-key", 900_000, 401, "\"unauthorized\"");
    }

    /** Thirty events of about {@code size} bytes, one after another, through the JDK's client (which reuses connections). */
    private static void postThirtyTimes(String bearer, int size, int status, String errorCode) throws Exception {
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String body = "{\"type\":\"a.b\",\"data\":{\"x\":\"" + "a".repeat(size) + "\"}}";
            for (int i = 0; i < 30; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + herald.port() + "/api/v1/events"))
                        .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(status);
                assertThat(r.body()).contains(errorCode);
            }
        }
    }

    /** One answer with a Content-Length body, read off the connection without waiting for its end. */
    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream headBytes = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) throw new IOException("connection closed after " + headBytes.size() + " bytes of an answer");
            headBytes.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String[] lines = headBytes.toString(StandardCharsets.US_ASCII).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }
}
