package dev.herald.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Emails;
import dev.herald.support.SmtpSink;
import dev.herald.support.TestHerald;
import dev.herald.projects.Projects;
import dev.herald.util.Json;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a template may produce and cost: a few hundred bytes of nested sections over a two-item list ask
 * for 2^26 repeats. Rendering stops as soon as a part is over its budget, the request is refused naming
 * the part (or the stored template), and nothing is stored or queued.
 */
class RenderLimitsTest {
    static final String NESTED_26 = "{{#a}}".repeat(26) + "x" + "{{/a}}".repeat(26);
    static SmtpSink sink;
    static TestHerald herald;

    @BeforeAll
    static void start() {
        sink = new SmtpSink();
        herald = TestHerald.start(Emails.smtp(sink));
    }

    @AfterAll
    static void stop() {
        herald.close();
        sink.close();
    }

    static String inline(String part, String source, String variables) {
        ObjectNode b = Json.object();
        b.putArray("to").add("amp@example.com");
        if (!part.equals("subject")) b.put("subject", "s");
        b.put(part, source);
        if (!part.equals("text") && !part.equals("html")) b.put("text", "t");
        b.set("variables", Json.parse(variables));
        return Json.write(b);
    }

    /** A project of its own: its id, and clients with its CLIENT_ADMIN and a PUBLISHER key. */
    record Project(String id, Api admin, Api publisher) {
        /** Nothing of an email reached the database in this project: no email row, no message, no delivery. */
        void nothingStored() {
            long rows = herald.herald().database().read(h -> h.createQuery("SELECT (SELECT COUNT(*) FROM emails WHERE project_id = :p) "
                    + "+ (SELECT COUNT(*) FROM messages WHERE project_id = :p) + (SELECT COUNT(*) FROM deliveries WHERE project_id = :p)")
                    .bind("p", id).mapTo(Long.class).one());
            assertThat(rows).isZero();
        }
    }

    static Project project(String name) {
        Projects.Created p = new Projects(herald.herald().database(), Clock.systemUTC()).create(name);
        Api admin = new Api(herald.port(), p.adminKey().key());
        return new Project(p.projectId(), admin, admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"pub\",\"role\":\"PUBLISHER\"}").str("api_key")));
    }

    static void refused(Api.Res r, int status, String code, String field) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().at("/error/code").asString()).as(r.toString()).isEqualTo(code);
        assertThat(r.json().at("/error/field").asString()).as(r.toString()).isEqualTo(field);
    }

    @Test
    void theIssuesAmplificationPayloadIsRefusedNamingTheFieldAndNothingIsStored() {
        Project p = project("amplify");
        Api api = p.publisher();
        String body = "{\"to\":[\"amp@example.com\"],\"subject\":\"s\",\"text\":\"" + NESTED_26 + "\",\"variables\":{\"a\":[1,2]}}";
        assertThat(body.length()).isLessThan(450);
        Api.Res r = api.post("/api/v1/emails", body);
        refused(r, 422, "render_limit_exceeded", "text");
        assertThat(r.json().at("/error/message").asString()).contains("inline content").contains("text");
        refused(api.post("/api/v1/emails", inline("html", NESTED_26, "{\"a\":[1,2]}")), 422, "render_limit_exceeded", "html");
        // A subject stops at its 1000 characters.
        refused(api.post("/api/v1/emails", inline("subject", NESTED_26, "{\"a\":[1,2]}")), 400, "invalid_request", "subject");
        p.nothingStored();
    }

    @Test
    void loopsThatWriteNothingAreBoundedByWorkNotOnlyOutput() {
        Project p = project("work");
        Api api = p.publisher();
        String silent = "{{#a}}".repeat(26) + "{{/a}}".repeat(26);
        Api.Res r = api.post("/api/v1/emails", inline("text", silent, "{\"a\":[1,2]}"));
        refused(r, 422, "render_limit_exceeded", "text");
        assertThat(r.json().at("/error/message").asString()).contains("steps");
        // Sections that look nothing up (on '.' or -first) are charged per list item too.
        String blind = "{{#a}}".repeat(20) + "{{#-first}}{{/-first}}".repeat(500) + "{{/a}}".repeat(20);
        refused(api.post("/api/v1/emails", inline("text", blind, "{\"a\":[1,2]}")), 422, "render_limit_exceeded", "text");
        p.nothingStored();
    }

    @Test
    void aStoredTemplateOverBudgetIsRefusedNamingTheTemplate() {
        Project p = project("stored");
        Api admin = p.admin();
        Api.Res put = admin.put("/api/v1/email-templates/digest", "{\"subject\":\"Digest\",\"text\":\"ok\",\"html\":\"" + NESTED_26 + "\"}");
        assertThat(put.status()).as(put.toString()).isEqualTo(201);
        Api.Res r = admin.post("/api/v1/emails", "{\"to\":[\"d@example.com\"],\"template\":\"digest\",\"variables\":{\"a\":[1,2]}}");
        refused(r, 422, "render_limit_exceeded", "template");
        assertThat(r.json().at("/error/message").asString()).contains("template 'digest'").contains("html");
        admin.put("/api/v1/email-templates/loud", "{\"subject\":\"" + NESTED_26 + "\",\"text\":\"ok\"}");
        refused(admin.post("/api/v1/emails", "{\"to\":[\"d@example.com\"],\"template\":\"loud\",\"variables\":{\"a\":[1,2]}}"), 400, "invalid_request",
                "template");
        p.nothingStored();
    }

    @Test
    void sectionsNestedTooDeeplyAreRefusedWhenSavedAndWhenSent() {
        Project p = project("deep");
        Api admin = p.admin();
        String deep = "{{#a}}".repeat(20_000) + "x" + "{{/a}}".repeat(20_000);
        Api.Res put = admin.put("/api/v1/email-templates/deep", "{\"subject\":\"s\",\"text\":\"" + deep + "\"}");
        refused(put, 400, "invalid_request", "text");
        assertThat(put.json().at("/error/message").asString()).contains("32");
        refused(admin.post("/api/v1/emails", inline("html", deep, "{\"a\":true}")), 400, "invalid_request", "html");
        String blocks = "{{$a}}".repeat(20_000) + "x" + "{{/a}}".repeat(20_000);
        refused(admin.post("/api/v1/emails", inline("text", blocks, "{}")), 400, "invalid_request", "text");
        String ok = "{{#a}}".repeat(32) + "x" + "{{/a}}".repeat(32);
        assertThat(admin.put("/api/v1/email-templates/nested", "{\"subject\":\"s\",\"text\":\"" + ok + "\"}").status()).isEqualTo(201);
        p.nothingStored();
    }

    @Test
    void variablesNestedTooDeeplyAreRefusedNamingWhere() {
        Project p = project("deepvars");
        Api api = p.publisher();
        StringBuilder v = new StringBuilder("\"x\"");
        for (int i = 0; i < 40; i++) v.insert(0, "{\"a\":").append('}');
        Api.Res r = api.post("/api/v1/emails", inline("text", "{{a.a}}", v.toString()));
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).startsWith("variables.a.a.a");
        assertThat(r.json().at("/error/message").asString()).contains("32");
        p.nothingStored();
    }

    @Test
    void aLongListWellWithinTheBudgetStillRenders() throws Exception {
        Project p = project("receipt");
        Api api = p.publisher();
        ObjectNode vars = Json.object();
        ArrayNode items = vars.putArray("items");
        for (int i = 0; i < 5_000; i++) items.addObject().put("name", "item " + i).put("price", i);
        ObjectNode b = Json.object();
        b.putArray("to").add("long@example.com");
        b.put("subject", "{{#items}}{{#-first}}Receipt: {{name}}{{/-first}}{{/items}}");
        b.put("text", "{{#items}}{{^-first}}, {{/-first}}{{name}} {{price}}{{/items}}");
        b.set("variables", vars);
        String id = Emails.send(api, Json.write(b));
        Emails.awaitFinal(p.admin(), id, EmailApiTest.WAIT);
        String text = (String) sink.received().stream().filter(x -> x.recipients().contains("long@example.com")).findFirst().orElseThrow().parse().getContent();
        assertThat(text).startsWith("item 0 0, item 1 1").contains("item 4999 4999");
    }
}
