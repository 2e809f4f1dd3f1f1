package dev.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.RawHttp;
import dev.herald.support.TestHerald;
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
                RawHttp.Res refused = RawHttp.readOne(in);
                assertThat(refused.status()).as("body of %d bytes", size).isEqualTo(413);
                assertThat(refused.body()).contains("\"payload_too_large\"");
                assertThat(refused.header("connection")).isEqualTo("close");
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
}
