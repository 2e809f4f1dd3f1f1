package dev.herald.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.FormData;
import com.microsoft.playwright.options.RequestOptions;
import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The console in real Chromium against a real Herald and a real receiver: sign in, create a webhook and
 * copy its secret, send a test event and watch it succeed, read a failed delivery's answer, replay a
 * dead letter, revoke a key; a VIEWER sees no change controls and is refused when it forges one; a form
 * on another site is refused. The walk also writes the screenshots docs/console.md shows, at a laptop
 * and a phone width.
 */
class ConsoleTest {
    static final Path IMAGES = Path.of("docs", "images");
    static final LocatorAssertions.HasTextOptions SLOW = new LocatorAssertions.HasTextOptions().setTimeout(30_000);
    static Playwright playwright;
    static Browser browser;

    Receiver receiver;
    TestHerald herald;
    Api admin;
    BrowserContext context;
    Page page;

    @BeforeAll
    static void launch() {
        playwright = Playwright.create();
        browser = Chromium.launch(playwright);
    }

    @AfterAll
    static void close() {
        if (browser != null) browser.close();
        if (playwright != null) playwright.close();
    }

    @BeforeEach
    void start() {
        receiver = new Receiver().on("/ok", Receiver.Reply.ok());
        herald = TestHerald.start();
        admin = herald.newProject("console");
        context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 800)
                .setPermissions(List.of("clipboard-read", "clipboard-write")));
        page = context.newPage();
    }

    @AfterEach
    void stop() {
        context.close();
        herald.close();
        receiver.close();
    }

    private String base() {
        return "http://127.0.0.1:" + herald.port();
    }

    private void signIn(String key) {
        page.navigate(base() + "/console");
        assertThat(page).hasURL(base() + "/console/sign-in");
        page.getByLabel("API key").fill(key);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        assertThat(page).hasURL(base() + "/console");
    }

    private void shoot(String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(IMAGES.resolve("console-" + name + ".png")).setFullPage(true));
    }

    /** The page at a phone's width, then back to the laptop's. */
    private void shootPhone(String name) {
        page.setViewportSize(390, 844);
        page.screenshot(new Page.ScreenshotOptions().setPath(IMAGES.resolve("console-" + name + "-phone.png")).setFullPage(true));
        page.setViewportSize(1280, 800);
    }

    private Locator button(String name) {
        return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    @Test
    void anAdminCreatesAWebhookCopiesItsSecretAndWatchsATestEventSucceed() {
        signIn(admin.key());
        assertThat(page.locator("header")).containsText("CLIENT_ADMIN");
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Webhooks").setExact(true)).click();
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New webhook")).click();
        page.getByLabel("URL").fill(receiver.url("/ok"));
        page.getByLabel("Events").fill("order.*, webhook.test");
        page.getByLabel("Description").fill("Orders to the billing service");
        button("Create webhook").click();

        Locator secret = page.locator("#webhook-secret");
        assertThat(secret).containsText("whsec_");
        button("Copy").click();
        assertThat(button("Copied")).isVisible();
        Object copied = page.evaluate("() => navigator.clipboard.readText()");
        assertThat(copied).isEqualTo(secret.textContent());
        shoot("webhook-created");

        // The receiver holds its answer until the page has shown the delivery still under way.
        CountDownLatch answer = new CountDownLatch(1);
        receiver.on("/ok", req -> {
            try {
                answer.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Receiver.Reply.ok();
        });
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Go to the webhook")).click();
        button("Send test event").click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("Test event sent");
        assertThat(page.locator(".delivery-status .status")).hasText(Pattern.compile("pending|in flight"));
        assertThat(page.locator("#delivery")).hasAttribute("data-refresh", "2000");
        answer.countDown();
        // The page follows the delivery by itself (no reload here) until the receiver has answered.
        assertThat(page.locator(".delivery-status .status")).hasText("succeeded", SLOW);
        assertThat(page.locator("#delivery")).not().hasAttribute("data-refresh", "2000");
        assertThat(page.locator("li.attempt").first()).containsText("HTTP 200");
        Receiver.Request got = receiver.await("/ok", 1, Duration.ofSeconds(10)).get(0);
        assertThat(got.bodyText()).contains("\"type\":\"webhook.test\"");
        shoot("delivery");

        admin.post("/api/v1/events", "{\"type\":\"order.paid\",\"data\":{\"order\":\"o-1\",\"amount\":4200}}");
        receiver.await("/ok", 2, Duration.ofSeconds(10));
        page.navigate(base() + "/console/webhooks");
        assertThat(page.locator("table")).containsText("100%");
        shoot("webhooks");
        shootPhone("webhooks");
        page.navigate(base() + "/console/events");
        page.getByLabel("Type").fill("order.*");
        button("Search").click();
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("order.paid")).click();
        assertThat(page.getByLabel("Event data")).containsText("\"amount\" : 4200");
        shoot("event");
    }

    @Test
    void anAdminReadsAFailedDeliverysAnswerAndReplaysTheDeadLetter() {
        boolean[] healthy = {false};
        receiver.on("/flaky", req -> healthy[0] ? Receiver.Reply.ok()
                : Receiver.Reply.status(500).withBody("database is down, try later".getBytes(StandardCharsets.UTF_8)));
        JsonNode hook = admin.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/flaky") + "\",\"events\":[\"invoice.*\"],\"retry_schedule\":[\"1s\"]}").json();
        admin.post("/api/v1/events", "{\"type\":\"invoice.overdue\",\"data\":{\"invoice\":\"in-7\"}}");
        receiver.await("/flaky", 2, Duration.ofSeconds(20));

        signIn(admin.key());
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Deliveries").setExact(true)).click();
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("invoice.overdue")).first().click();
        assertThat(page.locator(".delivery-status .status")).hasText("dead", SLOW);
        assertThat(page.locator("pre.response").first()).hasText("database is down, try later");
        assertThat(page.locator("li.attempt").first()).containsText("HTTP 500");
        // The first attempt's headers, opened by keyboard: what it sent, the signature redacted.
        page.locator("li.attempt summary").first().focus();
        page.keyboard().press("Enter");
        assertThat(page.locator("li.attempt dl.request-headers").first()).isVisible();
        assertThat(page.locator("li.attempt dl.request-headers").first()).containsText("X-Webhook-Event");
        assertThat(page.locator("li.attempt dl.request-headers").first()).containsText("(redacted)");
        shoot("failed-delivery");

        page.navigate(base() + "/console");
        assertThat(page.locator("svg rect.bar-fail")).hasCount(1);
        assertThat(page.locator("main")).containsText(hook.get("url").asString());
        shoot("overview");
        shootPhone("overview");

        healthy[0] = true;
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Dead letters").setExact(true)).click();
        assertThat(page.locator("table")).containsText("invoice.overdue");
        shoot("dead-letters");
        button("Replay").click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("Replayed 1 dead letter");
        receiver.await("/flaky", 3, Duration.ofSeconds(20));
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Deliveries").setExact(true)).click();
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("invoice.overdue")).first().click();
        assertThat(page.locator(".delivery-status .status")).hasText("succeeded", SLOW);
    }

    @Test
    void anAdminCreatesAKeyThatIsShownOnceAndRevokesIt() {
        signIn(admin.key());
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("API keys")).click();
        page.getByLabel("Name").fill("ci-publisher");
        page.getByLabel("Role").selectOption("PUBLISHER");
        button("Create key").click();
        String key = page.locator("#api-key").textContent();
        assertThat(key).startsWith("hk_");
        Api publisher = admin.as(key);
        assertThat(publisher.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}").status()).isEqualTo(202);

        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Back to the keys")).click();
        assertThat(page.locator("main")).not().containsText(key);
        shoot("api-keys");
        button("Revoke ci-publisher").click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("Revoked");
        assertThat(page.locator("table")).not().containsText("ci-publisher");
        assertThat(publisher.post("/api/v1/events", "{\"type\":\"a.b\",\"data\":{}}").status()).isEqualTo(401);
    }

    @Test
    void aViewerSeesEverythingAndCanChangeNothing() {
        JsonNode hook = admin.post("/api/v1/webhooks", "{\"url\":\"" + receiver.url("/ok") + "\",\"events\":[\"*\"]}").json();
        String viewerKey = admin.post("/api/v1/api-keys", "{\"name\":\"Vera Viewer\",\"role\":\"VIEWER\"}").str("api_key");
        signIn(viewerKey);
        assertThat(page.locator("header")).containsText("read only");
        page.navigate(base() + "/console/webhooks/" + hook.get("id").asString());
        assertThat(page.locator("h1")).hasText(hook.get("url").asString());
        assertThat(page.locator("main form")).hasCount(0);
        assertThat(page.locator("main button")).hasCount(0);
        page.navigate(base() + "/console/api-keys");
        assertThat(page.locator("table")).containsText("Vera Viewer");
        assertThat(page.locator("main form")).hasCount(0);
        shoot("viewer");

        // A forged change with the session's own token is still refused: the role is checked on the server.
        String csrf = page.locator("header input[name=csrf]").getAttribute("value");
        var answer = page.request().post(base() + "/console/webhooks/" + hook.get("id").asString() + "/disable",
                RequestOptions.create().setForm(FormData.create().set("csrf", csrf)).setHeader("Origin", base()));
        assertThat(answer.status()).isEqualTo(403);
        assertThat(admin.get("/api/v1/webhooks/" + hook.get("id").asString()).json().get("enabled").asBoolean()).isTrue();
    }

    @Test
    void aFormOnAnotherSiteIsRefused() {
        signIn(admin.key());
        String evil = "<!doctype html><html><body><form id=\"f\" method=\"post\" action=\"" + base() + "/console/webhooks\">"
                + "<input name=\"url\" value=\"https://attacker.example/steal\"><input name=\"events\" value=\"*\">"
                + "<input name=\"csrf\" value=\"guessed\"><button type=\"submit\">Win a prize</button></form></body></html>";
        receiver.on("/evil", Receiver.Reply.ok().withBody(evil.getBytes(StandardCharsets.UTF_8)).withHeader("Content-Type", "text/html; charset=utf-8"));
        page.navigate(receiver.url("/evil").replace("127.0.0.1", "localhost"));
        var response = page.waitForResponse(r -> r.url().equals(base() + "/console/webhooks") && r.request().method().equals("POST"),
                () -> page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Win a prize")).click());
        assertThat(response.status()).isEqualTo(403);
        assertThat(page.locator("main")).containsText("Herald's own pages");
        assertThat(admin.get("/api/v1/webhooks").json().get("data").size()).isEqualTo(0);
    }
}
