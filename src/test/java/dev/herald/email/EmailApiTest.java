package dev.herald.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.support.Api;
import dev.herald.support.Await;
import dev.herald.support.Deliveries;
import dev.herald.support.Emails;
import dev.herald.support.Receiver;
import dev.herald.support.SmtpSink;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Templates, rendering, validation, header injection and roles through the API, with a real SMTP server behind. */
class EmailApiTest {
    static final Duration WAIT = Await.PATIENCE;
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

    static List<SmtpSink.Received> to(String address) {
        return sink.received().stream().filter(r -> r.recipients().contains(address)).toList();
    }

    static ObjectNode invited(String to) {
        ObjectNode v = Json.object();
        v.put("app_name", "Wipe");
        v.put("logo_url", "https://cdn.example.com/logo.png?a=1&b=2");
        v.put("accept_url", "https://app.example.com/invite/abc?x=1&y=2");
        v.put("email", to);
        v.put("role", "Admin");
        v.put("organization_name", "Tom & Jerry <Co> \"Ltd\"");
        return v;
    }

    static String request(String to, String template, ObjectNode variables) {
        ObjectNode b = Json.object();
        b.putArray("to").add(to);
        b.put("template", template);
        if (variables != null) b.set("variables", variables);
        return Json.write(b);
    }

    static Api.Res error(Api.Res r, int status, String field) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.json().get("error").get("field").asString()).as(r.toString()).isEqualTo(field);
        return r;
    }

    // ---- templates

    @Test
    void theBuiltInInvitationRendersEveryVariableEscapingOnlyInHtml() throws Exception {
        Api api = herald.newProject("invite");
        JsonNode t = api.get("/api/v1/email-templates/user_invited").json();
        assertThat(t.get("built_in").asBoolean()).isTrue();
        assertThat(t.get("html").asString()).contains("{{accept_url}}").contains("{{logo_url}}");

        String id = Emails.send(api, request("new@example.com", "user_invited", invited("new@example.com")));
        assertThat(Emails.awaitFinal(api, id, WAIT).get("template").asString()).isEqualTo("user_invited");
        MimeMessage m = to("new@example.com").get(0).parse();
        assertThat(m.getSubject()).isEqualTo("You're invited to join Tom & Jerry <Co> \"Ltd\" on Wipe");
        MimeMultipart alt = (MimeMultipart) m.getContent();
        String text = (String) alt.getBodyPart(0).getContent();
        String html = (String) alt.getBodyPart(1).getContent();
        assertThat(text).contains("join Tom & Jerry <Co> \"Ltd\" on Wipe as Admin").contains("https://app.example.com/invite/abc?x=1&y=2")
                .contains("sent to new@example.com");
        assertThat(html).contains("<strong>Tom &amp; Jerry &lt;Co&gt; &quot;Ltd&quot;</strong>")
                .contains("href=\"https://app.example.com/invite/abc?x&#x3D;1&amp;y&#x3D;2\"")
                .contains("<img src=\"https://cdn.example.com/logo.png?a&#x3D;1&amp;b&#x3D;2\"").doesNotContain("<Co>");
    }

    @Test
    void anEmptyLogoLeavesTheImageOut() throws Exception {
        Api api = herald.newProject("nologo");
        ObjectNode v = invited("nologo@example.com");
        v.put("logo_url", "");
        String id = Emails.send(api, request("nologo@example.com", "user_invited", v));
        Emails.awaitFinal(api, id, WAIT);
        String html = (String) ((MimeMultipart) to("nologo@example.com").get(0).parse().getContent()).getBodyPart(1).getContent();
        assertThat(html).doesNotContain("<img");
    }

    @Test
    void aMissingVariableIsA400NamingItAndNothingIsSent() {
        Api api = herald.newProject("missing");
        ObjectNode v = invited("m@example.com");
        v.remove("accept_url");
        Api.Res r = error(api.post("/api/v1/emails", request("m@example.com", "user_invited", v)), 400, "variables.accept_url");
        assertThat(r.json().get("error").get("message").asString()).contains("{{accept_url}}").contains("user_invited");
        error(api.post("/api/v1/emails", request("m@example.com", "user_invited", null)), 400, "variables.organization_name");
        v = invited("m@example.com");
        v.putNull("role");
        error(api.post("/api/v1/emails", request("m@example.com", "user_invited", v)), 400, "variables.role");
        assertThat(to("m@example.com")).isEmpty();
        assertThat(api.get("/api/v1/deliveries?channel=email").json().get("data")).isEmpty();
    }

    @Test
    void aProjectOverridesTheInvitationWithItsBrandingAndDeletingRestoresTheBuiltIn() throws Exception {
        Api api = herald.newProject("brand");
        Api other = herald.newProject("other");
        Api.Res put = api.put("/api/v1/email-templates/user_invited", """
                {"subject":"{{organization_name}} wants you on {{app_name}}","text":"Go: {{accept_url}}",
                 "html":"<h1 style=\\"color:#f60\\">{{organization_name}}</h1><a href=\\"{{accept_url}}\\">Join</a>"}""");
        assertThat(put.status()).as(put.toString()).isEqualTo(201);
        assertThat(put.json().get("built_in").asBoolean()).isFalse();
        assertThat(api.put("/api/v1/email-templates/user_invited", """
                {"subject":"{{organization_name}} wants you on {{app_name}}","text":"Go: {{accept_url}}"}""").status()).isEqualTo(200);

        Emails.awaitFinal(api, Emails.send(api, request("b1@example.com", "user_invited", invited("b1@example.com"))), WAIT);
        assertThat(to("b1@example.com").get(0).parse().getSubject()).isEqualTo("Tom & Jerry <Co> \"Ltd\" wants you on Wipe");
        // Another project still gets the built-in.
        Emails.awaitFinal(other, Emails.send(other, request("b2@example.com", "user_invited", invited("b2@example.com"))), WAIT);
        assertThat(to("b2@example.com").get(0).parse().getSubject()).startsWith("You're invited");

        List<String> names = api.get("/api/v1/email-templates").json().get("data").findValuesAsString("name");
        assertThat(names).containsExactly("user_invited");
        assertThat(api.delete("/api/v1/email-templates/user_invited").status()).isEqualTo(204);
        assertThat(api.get("/api/v1/email-templates/user_invited").json().get("built_in").asBoolean()).isTrue();
        assertThat(api.delete("/api/v1/email-templates/user_invited").status()).isEqualTo(404);
    }

    @Test
    void anOverrideMayUseOnlyTheVariablesHeraldSupplies() {
        Api api = herald.newProject("override-vars");
        Api.Res r = error(api.put("/api/v1/email-templates/user_invited",
                "{\"subject\":\"Hi\",\"html\":\"<p>{{first_name}}</p>\"}"), 400, "html");
        assertThat(r.json().get("error").get("message").asString()).contains("{{first_name}}").contains("organization_name");
    }

    @Test
    void theOperatorNoticeCannotBeOverriddenAsTheDocsSay() {
        Api api = herald.newProject("notice-override");
        Api.Res r = error(api.put("/api/v1/email-templates/webhook_disabled", "{\"subject\":\"Disabled\",\"text\":\"x\"}"), 400, "name");
        assertThat(r.json().at("/error/message").asString()).contains("webhook_disabled").contains("cannot be overridden");
        assertThat(api.get("/api/v1/email-templates/webhook_disabled").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/email-templates").json().get("data").findValuesAsString("name")).doesNotContain("webhook_disabled");
        error(api.post("/api/v1/emails", "{\"to\":[\"n@example.com\"],\"template\":\"webhook_disabled\",\"variables\":{}}"), 400, "template");
    }

    @Test
    void customTemplatesAreCheckedWhenSavedAndRenderedWhenSent() throws Exception {
        Api api = herald.newProject("custom");
        error(api.put("/api/v1/email-templates/receipt", "{\"subject\":\"Receipt\",\"text\":\"{{#items}}unclosed\"}"), 400, "text");
        error(api.put("/api/v1/email-templates/receipt", "{\"subject\":\"Receipt\",\"text\":\"{{> header}}\"}"), 400, "text");
        error(api.put("/api/v1/email-templates/receipt", "{\"subject\":\"Line\\r\\nBcc: x@example.com\",\"text\":\"x\"}"), 400, "subject");
        error(api.put("/api/v1/email-templates/receipt", "{\"subject\":\"Receipt\"}"), 400, "text");
        error(api.put("/api/v1/email-templates/receipt", "{\"subject\":\"Receipt\",\"text\":\"x\",\"extra\":1}"), 400, "extra");
        error(api.put("/api/v1/email-templates/Bad-Name", "{\"subject\":\"Receipt\",\"text\":\"x\"}"), 400, "name");
        Api.Res ok = api.put("/api/v1/email-templates/receipt",
                "{\"subject\":\"Receipt {{number}}\",\"text\":\"{{#items}}- {{name}}: {{price}}\\n{{/items}}Total {{total}}\"}");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(201);

        error(api.post("/api/v1/emails", "{\"to\":[\"r@example.com\"],\"template\":\"receipt\",\"variables\":{\"number\":7,\"total\":\"9.50\"}}"),
                400, "variables.items");
        error(api.post("/api/v1/emails", "{\"to\":[\"r@example.com\"],\"template\":\"nope\",\"variables\":{}}"), 400, "template");
        String id = Emails.send(api, "{\"to\":[\"r@example.com\"],\"template\":\"receipt\",\"variables\":{\"number\":7,\"total\":\"9.50\","
                + "\"items\":[{\"name\":\"Tea\",\"price\":2.5},{\"name\":\"Cake\",\"price\":7}]}}");
        Emails.awaitFinal(api, id, WAIT);
        MimeMessage m = to("r@example.com").get(0).parse();
        assertThat(m.getSubject()).isEqualTo("Receipt 7");
        assertThat((String) m.getContent()).isEqualTo("- Tea: 2.5\r\n- Cake: 7\r\nTotal 9.50\r\n");
    }

    @Test
    void templatesReachNoJavaMethods() {
        Api api = herald.newProject("sandbox");
        error(api.post("/api/v1/emails", "{\"to\":[\"s@example.com\"],\"subject\":\"x\",\"text\":\"[{{name.class}}]\",\"variables\":{\"name\":\"v\"}}"),
                400, "variables.name.class");
        error(api.post("/api/v1/emails", "{\"to\":[\"s@example.com\"],\"subject\":\"x\",\"text\":\"[{{name.length}}]\",\"variables\":{\"name\":\"v\"}}"),
                400, "variables.name.length");
    }

    @Test
    void inlineContentIsSentVerbatimWithoutVariablesAndRenderedWithThem() throws Exception {
        Api api = herald.newProject("inline");
        Emails.awaitFinal(api, Emails.send(api, "{\"to\":[\"v1@example.com\"],\"subject\":\"{{raw}}\",\"text\":\"{{ not a template\"}"), WAIT);
        MimeMessage m = to("v1@example.com").get(0).parse();
        assertThat(m.getSubject()).isEqualTo("{{raw}}");
        assertThat((String) m.getContent()).isEqualTo("{{ not a template\r\n");
        Emails.awaitFinal(api, Emails.send(api, "{\"to\":[\"v2@example.com\"],\"subject\":\"Hi {{n}}\",\"html\":\"<b>{{n}}</b>\",\"variables\":{\"n\":\"<x>\"}}"),
                WAIT);
        m = to("v2@example.com").get(0).parse();
        assertThat(m.getSubject()).isEqualTo("Hi <x>");
        assertThat((String) m.getContent()).isEqualTo("<b>&lt;x&gt;</b>\r\n");
    }

    // ---- validation and header injection

    @Test
    void headerInjectionAttemptsAreRefusedAndNothingIsSent() {
        Api api = herald.newProject("inject");
        int before = sink.received().size();
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"subject\":\"Hi\\r\\nBcc: evil@example.com\",\"text\":\"x\"}"), 400, "subject");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"subject\":\"Hi\\nBcc: evil@example.com\",\"text\":\"x\"}"), 400, "subject");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"subject\":\"Hi\\u0000\",\"text\":\"x\"}"), 400, "subject");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\\r\\nBcc: evil@example.com\"],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[0]");
        error(api.post("/api/v1/emails", "{\"to\":[{\"email\":\"a@example.com\",\"name\":\"Eve\\r\\nBcc: evil@example.com\"}],\"subject\":\"s\",\"text\":\"x\"}"),
                400, "to[0]");
        error(api.post("/api/v1/emails", "{\"to\":[{\"email\":\"a@example.com\\nBcc: evil@example.com\"}],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[0]");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com, evil@example.com\"],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[0]");
        error(api.post("/api/v1/emails", "{\"to\":[\"list: a@example.com, evil@example.com;\"],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[0]");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"subject\":\"Hi {{n}}\",\"text\":\"x\",\"variables\":{\"n\":\"x\\r\\nBcc: evil@example.com\"}}"),
                400, "variables.n");
        ObjectNode v = invited("a@example.com");
        v.put("organization_name", "Acme\r\nBcc: evil@example.com");
        error(api.post("/api/v1/emails", request("a@example.com", "user_invited", v)), 400, "variables.organization_name");
        assertThat(sink.received()).hasSize(before);
        assertThat(api.get("/api/v1/deliveries?channel=email").json().get("data")).isEmpty();
    }

    @Test
    void aLineBreakInABodyVariableIsFineAndSmtpDotsCannotEndTheMessageEarly() {
        Api api = herald.newProject("dots");
        String id = Emails.send(api, "{\"to\":[\"dots@example.com\"],\"subject\":\"Hi {{n}}\",\"text\":\"{{body}}\",\"variables\":{\"n\":\"Bob\","
                + "\"body\":\"line\\r\\n.\\r\\nMAIL FROM:<evil@example.com>\\r\\n.\\nend\"}}");
        assertThat(Emails.awaitFinal(api, id, WAIT).get("status").asString()).isEqualTo("sent");
        List<SmtpSink.Received> got = to("dots@example.com");
        assertThat(got).hasSize(1);
        assertThat(got.get(0).text()).contains("\r\n.\r\nMAIL FROM:<evil@example.com>\r\n.\r\nend\r\n");
        assertThat(to("evil@example.com")).isEmpty();
    }

    @Test
    void malformedRequestsAre400sNamingTheField() {
        Api api = herald.newProject("bad");
        error(api.post("/api/v1/emails", "{\"subject\":\"s\",\"text\":\"x\"}"), 400, "to");
        error(api.post("/api/v1/emails", "{\"to\":[],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to");
        error(api.post("/api/v1/emails", "{\"to\":\"a@example.com\",\"subject\":\"s\",\"text\":\"x\"}"), 400, "to");
        error(api.post("/api/v1/emails", "{\"to\":[\"not an address\"],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[0]");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\",\"A@EXAMPLE.com\"],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[1]");
        error(api.post("/api/v1/emails", "{\"to\":[\"josé@example.com\"],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[0]");
        error(api.post("/api/v1/emails", "{\"to\":[42],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[0]");
        error(api.post("/api/v1/emails", "{\"to\":[{\"email\":\"a@example.com\",\"nick\":\"x\"}],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[0].nick");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"text\":\"x\"}"), 400, "subject");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"subject\":\"s\"}"), 400, "text");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"]}"), 400, "template");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"template\":\"user_invited\",\"subject\":\"s\"}"), 400, "template");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"text\":\"x\",\"cc\":[]}"), 400, "cc");
        error(api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"text\":\"x\",\"variables\":[]}"), 400, "variables");
        StringBuilder many = new StringBuilder("{\"to\":[");
        for (int i = 0; i < 51; i++) many.append(i == 0 ? "" : ",").append("\"r").append(i).append("@example.com\"");
        error(api.post("/api/v1/emails", many + "],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to");
        assertThat(api.get("/api/v1/emails/not-a-uuid").status()).isEqualTo(404);
        assertThat(api.get("/api/v1/emails/01a20757-17c3-7590-bb3a-77fad5c9aff3").status()).isEqualTo(404);
    }

    @Test
    void recipientsWithoutADottedDomainOrWithAnAddressLiteralAreRefused() {
        Api api = herald.newProject("domains");
        for (String to : List.of("\"a@b\"", "\"a@localhost\"", "\"a@[127.0.0.1]\"", "\"Ops <ops@[IPv6:::1]>\"", "{\"email\":\"a@b\"}",
                "{\"email\":\"a@[10.0.0.1]\"}")) {
            Api.Res r = error(api.post("/api/v1/emails", "{\"to\":[\"ok@example.com\"," + to + "],\"subject\":\"s\",\"text\":\"x\"}"), 400, "to[1]");
            assertThat(r.json().at("/error/message").asString()).containsAnyOf("has no dot", "address literals");
        }
        assertThat(api.get("/api/v1/deliveries?channel=email").json().get("data")).isEmpty();
    }

    @Test
    void internationalizedDomainsAreSentInTheirAsciiForm() {
        Api api = herald.newProject("idn");
        String id = Emails.send(api, "{\"to\":[\"Jürgen <j@bücher.example>\"],\"subject\":\"s\",\"text\":\"x\"}");
        JsonNode e = Emails.awaitFinal(api, id, WAIT);
        assertThat(e.get("to").get(0).asString()).isEqualTo("j@xn--bcher-kva.example");
        assertThat(to("j@xn--bcher-kva.example")).hasSize(1);
    }

    // ---- roles and projects

    @Test
    void publishersSendViewersReadAdminsManageTemplates() {
        Api admin = herald.newProject("roles");
        Api publisher = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"pub\",\"role\":\"PUBLISHER\"}").str("api_key"));
        Api viewer = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"view\",\"role\":\"VIEWER\"}").str("api_key"));
        String body = "{\"to\":[\"roles@example.com\"],\"subject\":\"s\",\"text\":\"x\"}";
        String id = Emails.send(publisher, body);
        assertThat(viewer.post("/api/v1/emails", body).status()).isEqualTo(403);
        assertThat(viewer.get("/api/v1/emails/" + id).status()).isEqualTo(200);
        assertThat(publisher.get("/api/v1/emails/" + id).status()).isEqualTo(403);
        assertThat(viewer.get("/api/v1/email-templates/user_invited").status()).isEqualTo(403);
        assertThat(publisher.put("/api/v1/email-templates/x", "{\"subject\":\"s\",\"text\":\"t\"}").status()).isEqualTo(403);
        assertThat(viewer.delete("/api/v1/email-templates/user_invited").status()).isEqualTo(403);
        assertThat(herald.newProject("stranger").get("/api/v1/emails/" + id).status()).isEqualTo(404);
        Emails.awaitFinal(admin, id, WAIT);
    }

    // ---- switched off, and the operators' notice

    @Test
    void withEmailOffSendingIsA409AndTemplatesStillWork() {
        try (TestHerald off = TestHerald.start(Map.of("NOTIFICATION_HTTP_TIMEOUT", "25s"))) {
            Api api = off.newProject("off");
            Api.Res r = api.post("/api/v1/emails", "{\"to\":[\"a@example.com\"],\"subject\":\"s\",\"text\":\"x\"}");
            assertThat(r.status()).isEqualTo(409);
            assertThat(r.json().get("error").get("code").asString()).isEqualTo("email_disabled");
            assertThat(api.put("/api/v1/email-templates/user_invited", "{\"subject\":\"{{app_name}}\",\"text\":\"{{accept_url}}\"}").status()).isEqualTo(201);
            // NOTIFICATION_HTTP_TIMEOUT is the timeout of webhooks created without one.
            JsonNode w = api.post("/api/v1/webhooks", "{\"url\":\"https://hooks.example.com/x\",\"events\":[\"*\"]}").json();
            assertThat(w.get("timeout_seconds").asInt()).isEqualTo(25);
        }
    }

    @Test
    void operatorsAreEmailedWhenAWebhookIsDisabledAutomatically() throws Exception {
        try (Receiver receiver = new Receiver(); TestHerald h = TestHerald.start(Emails.smtp(sink, "HERALD_ADMIN_EMAILS", "ops@example.com, Jane <jane@example.com>"))) {
            receiver.on("/gone", Receiver.Reply.status(410));
            Api api = h.newProject("Acme Shop");
            String webhook = api.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/gone") + "\",\"events\":[\"*\"]}").str("id");
            api.post("/api/v1/events", "{\"type\":\"order.paid\",\"data\":{}}");
            // One delivery per recipient: wait for both, they may land in either order.
            Await.until("the notice at jane@ and ops@", () -> !to("jane@example.com").isEmpty() && !to("ops@example.com").isEmpty());
            // And until nothing of the project is waiting or in flight: no second copy can still come.
            Deliveries.awaitSettled(api);
            List<SmtpSink.Received> got = to("jane@example.com");
            assertThat(got).hasSize(1);
            assertThat(to("ops@example.com")).hasSize(1);
            MimeMessage m = got.get(0).parse();
            assertThat(m.getSubject()).isEqualTo("[Herald] Webhook disabled in project Acme Shop");
            assertThat((String) m.getContent()).contains(webhook).contains(receiver.url("/gone")).contains("receiver answered 410 Gone");
            JsonNode emails = api.get("/api/v1/deliveries?channel=email").json().get("data");
            assertThat(emails).hasSize(2);
            assertThat(emails.get(0).get("template").asString()).isEqualTo("webhook_disabled");
        }
    }
}
