package dev.herald;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.HeraldProcess;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code ./herald admin ...} as an operator runs it: real processes, beside a running server on the same data. */
class AdminCommandsTest {
    Path dir;
    Map<String, String> env;
    HeraldProcess server;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory("herald-admin");
        env = new HashMap<>();
        env.put("HERALD_DATA_DIR", dir.resolve("data").toString());
    }

    @AfterEach
    void tearDown() {
        if (server != null) server.close();
        TestHerald.deleteTree(dir);
    }

    private JsonNode admin(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "admin";
        System.arraycopy(args, 0, full, 1, args.length);
        HeraldProcess.Result r = HeraldProcess.exec(env, full);
        assertThat(r.exit()).as("herald admin %s: %s", String.join(" ", args), r.err()).isZero();
        return Json.parse(r.out());
    }

    @Test
    void adminCommandsListProjectsAndCreateListAndRevokeKeysBesideARunningServer() {
        server = HeraldProcess.serve(env, dir.resolve("server.log"), 0);
        JsonNode project = admin("create-project", "acme");
        String projectId = project.get("project_id").asString();
        Api owner = new Api(server.port(), project.get("api_key").asString());

        JsonNode projects = admin("list-projects");
        assertThat(projects.isArray()).isTrue();
        assertThat(projects).anySatisfy(p -> {
            assertThat(p.get("id").asString()).isEqualTo(projectId);
            assertThat(p.get("name").asString()).isEqualTo("acme");
            assertThat(p.get("active_keys").asInt()).isEqualTo(1);
        });

        JsonNode created = admin("create-key", projectId, "--role", "viewer", "--name", "dashboards");
        assertThat(created.get("role").asString()).isEqualTo("VIEWER");
        String viewerKey = created.get("api_key").asString();
        Api viewer = owner.as(viewerKey);
        assertThat(viewer.get("/api/v1/webhooks").status()).as("the running server accepts a key created beside it").isEqualTo(200);

        JsonNode keys = admin("list-keys", projectId);
        assertThat(keys).hasSize(2);
        assertThat(keys.toString()).doesNotContain(viewerKey).doesNotContain("api_key").doesNotContain("hash");
        assertThat(keys).anySatisfy(k -> {
            assertThat(k.get("id").asString()).isEqualTo(created.get("id").asString());
            assertThat(k.get("name").asString()).isEqualTo("dashboards");
            assertThat(k.get("prefix").asString()).isEqualTo(viewerKey.substring(0, 10));
        });

        JsonNode revoked = admin("revoke-key", created.get("id").asString());
        assertThat(revoked.get("revoked").asBoolean()).isTrue();
        assertThat(viewer.get("/api/v1/webhooks").status()).as("a revoked key fails at once on the running server").isEqualTo(401);
        assertThat(admin("list-keys", projectId)).hasSize(1);

        HeraldProcess.Result again = HeraldProcess.exec(env, "admin", "revoke-key", created.get("id").asString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("not found");
        HeraldProcess.Result badRole = HeraldProcess.exec(env, "admin", "create-key", projectId, "--role", "root", "--name", "x");
        assertThat(badRole.exit()).isEqualTo(2);
        HeraldProcess.Result noProject = HeraldProcess.exec(env, "admin", "create-key", "01a206c7-d2c8-79cb-8be7-bf5698e8a73d", "--role", "viewer", "--name", "x");
        assertThat(noProject.exit()).isEqualTo(1);
        assertThat(noProject.err()).contains("project not found");
    }

    @Test
    void adminWithoutASubcommandIsAUsageErrorThatListsThem() {
        HeraldProcess.Result r = HeraldProcess.exec(env, "admin");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("missing a subcommand").contains("Usage: herald admin")
                .contains("create-project").contains("list-projects").contains("list-keys").contains("create-key").contains("revoke-key");
        HeraldProcess.Result worker = HeraldProcess.exec(env, "worker");
        assertThat(worker.exit()).isEqualTo(2);
        assertThat(worker.err()).contains("missing a subcommand").contains("notifications");
    }
}
