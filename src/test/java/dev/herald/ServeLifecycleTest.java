package dev.herald;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.HeraldProcess;
import dev.herald.support.Receiver;
import dev.herald.support.Receiver.Reply;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** How {@code herald serve} starts and stops, seen from outside: real processes. */
class ServeLifecycleTest {
    Path dir;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("herald-serve");
        env = new HashMap<>();
        env.put("HERALD_DATA_DIR", dir.resolve("data").toString());
        env.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
        env.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
        env.put("HERALD_DELIVERY_POLL_INTERVAL", "200ms");
    }

    @AfterEach
    void tearDown() {
        TestHerald.deleteTree(dir);
    }

    @Test
    void aPortInUseIsOneLineNamingThePortAndAFailedExit() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            HeraldProcess.Result r = HeraldProcess.exec(env, "serve", "--port", Integer.toString(port), "--host", "127.0.0.1");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain(" ERROR ");
            // Besides the log lines of the start (INFO), exactly one line: the reason.
            List<String> errors = r.err().lines().filter(l -> !l.matches("^\\d{4}-\\d\\d-\\d\\dT\\S+ (INFO|WARN) .*")).toList();
            assertThat(errors).singleElement().satisfies(line -> assertThat(line).startsWith("herald: cannot listen on 127.0.0.1:" + port + ": "));
        }
    }

    @Test
    void anSmtpPortInUseIsOneLineNamingTheSettingAndAFailedExit() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Map<String, String> e = new HashMap<>(env);
            e.put("HERALD_MAIL_SMTP_PORT", Integer.toString(port));
            HeraldProcess.Result r = HeraldProcess.exec(e, "serve", "--port", "0", "--host", "127.0.0.1");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain(" ERROR ");
            List<String> errors = r.err().lines().filter(l -> !l.matches("^\\d{4}-\\d\\d-\\d\\dT\\S+ (INFO|WARN) .*")).toList();
            assertThat(errors).singleElement().satisfies(line -> assertThat(line)
                    .startsWith("herald: cannot listen for SMTP on 127.0.0.1:" + port + ": ").contains("HERALD_MAIL_SMTP_PORT"));
        }
    }

    @Test
    void stoppingLogsOneLineWhenItStartsAndOneWhenItIsDoneWithWhatWasInFlight() throws Exception {
        Path log = dir.resolve("server.log");
        try (Receiver receiver = new Receiver()) {
            receiver.on("/slow", Reply.ok().after(Duration.ofSeconds(2)));
            HeraldProcess server = HeraldProcess.serve(env, log, HeraldProcess.freePort());
            try {
                JsonNode project = Json.parse(HeraldProcess.run(env, dir.resolve("admin.log"), "admin", "create-project", "stop"));
                Api api = new Api(server.port(), project.get("api_key").asString());
                assertThat(api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/slow") + "\",\"events\":[\"*\"]}").status()).isEqualTo(201);
                assertThat(api.post("/api/v1/events", "{\"type\":\"t\",\"data\":{}}").status()).isEqualTo(202);
                receiver.await("/slow", 1, Duration.ofSeconds(20));
            } finally {
                server.close(); // SIGTERM while the attempt waits for its answer
            }
        }
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).filteredOn(l -> l.contains("Herald stopping")).singleElement().satisfies(l ->
                assertThat(l).contains("1 attempt in flight"));
        assertThat(lines).filteredOn(l -> l.contains("Herald stopped")).singleElement().satisfies(l ->
                assertThat(l).contains("1 of 1 attempt in flight finished"));
    }
}
