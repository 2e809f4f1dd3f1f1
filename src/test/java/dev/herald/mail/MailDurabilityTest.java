package dev.herald.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.HeraldProcess;
import dev.herald.support.Receiver;
import dev.herald.support.SmtpClient;
import dev.herald.support.TcpProxy;
import dev.herald.support.TestDatabases;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** 250 means committed: a kill -9 right after it loses nothing, and a database that cannot commit answers 451. */
class MailDurabilityTest {
    static byte[] mail(String id) {
        return ("From: a@sender.test\r\nTo: x@example.test\r\nSubject: durable " + id + "\r\nMessage-ID: <" + id + "@sender.test>\r\n\r\nkeep me\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aMessageAnswered250SurvivesAKillRightAfterTheAnswer() throws Exception {
        Path dir = Files.createTempDirectory("herald-mail-crash");
        Path log = dir.resolve("herald.log");
        try (Receiver receiver = new Receiver()) {
            receiver.on("/mail", Receiver.Reply.ok());
            Map<String, String> env = new HashMap<>();
            env.put("HERALD_DATA_DIR", dir.resolve("data").toString());
            env.put("SECURITY_OUTBOUND_ALLOW_HTTP", "true");
            env.put("SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "true");
            // Port 0 for both: each start logs the ports it bound, so no port is chosen beforehand for another process to take.
            HeraldProcess first = HeraldProcess.serve(env, log, 0);
            int port = first.port();
            String key;
            try {
                key = Json.parse(HeraldProcess.run(env, log, "admin", "create-project", "mail")).get("api_key").asString();
                Api api = new Api(port, key);
                assertThat(api.post("/api/v1/mail-domains", "{\"domain\":\"example.test\"}").status()).isEqualTo(201);
                String ep = api.post("/api/v1/endpoints", "{\"name\":\"e\",\"url\":\"" + receiver.url("/mail") + "\"}").str("id");
                assertThat(api.post("/api/v1/routes", "{\"name\":\"r\",\"endpoint_ids\":[\"" + ep + "\"]}").status()).isEqualTo(201);
                try (SmtpClient c = new SmtpClient(first.smtpPort())) {
                    c.greeting();
                    List<SmtpClient.Reply> replies = c.send("a@sender.test", List.of("x@example.test"), mail("crash-1"));
                    assertThat(replies.get(replies.size() - 1).code()).isEqualTo(250);
                    first.kill();
                }
            } finally {
                first.kill();
            }
            try (HeraldProcess second = HeraldProcess.serve(env, log, 0)) {
                Api api = new Api(second.port(), key);
                Api.Res list = api.get("/api/v1/messages?message_id=%3Ccrash-1%40sender.test%3E");
                assertThat(list.json().get("data")).as("the message answered 250 is stored").hasSize(1);
                Await.until("the message delivered after the restart", () -> receiver.requests("/mail").stream()
                        .anyMatch(r -> Json.parse(r.body()).get("message_id").asString().equals("<crash-1@sender.test>")));
            }
        } finally {
            TestHerald.deleteTree(dir);
        }
    }

    @Test
    void aDatabaseThatCannotCommitAnswers451AndNothingIsKept() throws Exception {
        assumeTrue(TestDatabases.postgres(), "the outage is made by cutting a proxy to PostgreSQL");
        TestDatabases.Server server = TestDatabases.server();
        String[] hp = server.hostAndPort().split(":");
        try (TcpProxy proxy = new TcpProxy(hp[0], Integer.parseInt(hp[1]));
             MailFixture f = new MailFixture(TestHerald.start(Map.of("HERALD_DATABASE_URL", server.heraldUrlVia(proxy.port(), TestDatabases.newSchema()))))) {
            f.catchAll("generic_json");
            try (SmtpClient c = new SmtpClient(f.smtpPort())) {
                c.greeting();
                c.command("EHLO client.test");
                assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
                assertThat(c.command("RCPT TO:<x@example.test>").code()).isEqualTo(250);
                proxy.cut();
                SmtpClient.Reply during = c.data(mail("outage"));
                assertThat(during.code()).as(during.toString()).isEqualTo(451);
                c.command("MAIL FROM:<a@sender.test>");
                assertThat(c.command("RCPT TO:<x@example.test>").code()).as("the recipient check cannot read either").isEqualTo(451);
            }
            proxy.restore();
            Await.until("the database answering again", () -> f.api.get("/readyz").status() == 200);
            assertThat(f.api.get("/api/v1/messages").json().get("data")).as("nothing answered 451 was kept").isEmpty();
            try (SmtpClient c = new SmtpClient(f.smtpPort())) {
                c.greeting();
                List<SmtpClient.Reply> replies = c.send("a@sender.test", List.of("x@example.test"), mail("outage"));
                assertThat(replies.get(replies.size() - 1).code()).as("the sender's retry is taken").isEqualTo(250);
            }
        }
    }
}
