package dev.herald.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestHerald;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A reviewer in real Chromium: signs in with their key, sees the pending draft exactly as it will be
 * sent, approves it (and the send reaches a receiver byte for byte, validly signed) or rejects another.
 */
class ReviewPageTest {
    static final String SECRET = "your-signing-secret";
    static Playwright playwright;
    static Browser browser;

    Receiver receiver;
    TestHerald herald;
    Api admin;
    Api publisher;
    String reviewerKey;
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
        receiver = new Receiver();
        herald = TestHerald.start();
        admin = herald.newProject("browser");
        publisher = admin.as(admin.post("/api/v1/api-keys", "{\"name\":\"issues-expert\",\"role\":\"PUBLISHER\"}").str("api_key"));
        reviewerKey = admin.post("/api/v1/api-keys", "{\"name\":\"Dana Reviewer\",\"role\":\"REVIEWER\"}").str("api_key");
        Api.Res c = admin.post("/api/v1/connections", "{\"display_name\":\"Customer Email Delivery\",\"connection_details\":{\"email_webhook\":{"
                + "\"base_url\":\"" + receiver.url("/customer-email") + "\",\"bearer_token\":{\"token\":\"sk-live-123\"},"
                + "\"webhook_signing_secret\":\"" + SECRET + "\"}}}");
        assertThat(c.status()).as(c.toString()).isEqualTo(201);
        context = browser.newContext();
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

    private String draft(String subject, String body) {
        Api.Res r = publisher.post("/api/v1/customer-emails", "{\"connection\":\"customer-email-delivery\",\"customer\":{\"id\":\"tenant-123\","
                + "\"name\":\"Acme Corp\"},\"email\":{\"subject\":\"" + subject + "\",\"body\":\"" + body + "\"},\"issue_url\":\"https://issues.example.com/INC-7\"}");
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.str("id");
    }

    private void signIn() {
        page.navigate(base() + "/review");
        assertThat(page).hasURL(base() + "/review/sign-in");
        page.getByLabel("Your API key").fill("hk_not-a-real-key-at-all");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        assertThat(page.getByRole(AriaRole.ALERT)).containsText("not valid");
        page.getByLabel("Your API key").fill(reviewerKey);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        assertThat(page).hasURL(base() + "/review");
        assertThat(page.locator("header")).containsText("Dana Reviewer");
    }

    @Test
    void aReviewerApprovesAPendingDraftAndTheSendDeliversTheExactSignedPayload() throws Exception {
        signIn();
        assertThat(page.locator(".empty")).containsText("Nothing is waiting for review");
        String id = draft("Issue update", "We are aware of the issue <and> are investigating.\\n\\nThanks & sorry.");
        page.reload();
        Locator card = page.locator("#draft-" + id);
        assertThat(card).containsText("Acme Corp");
        assertThat(card).containsText("tenant-123");
        assertThat(card.locator("pre.body").first()).hasText("We are aware of the issue <and> are investigating.\n\nThanks & sorry.");
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target", "review-page.png")).setFullPage(true));
        card.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve")).click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("Approved");
        assertThat(page.locator(".status")).hasText("approved");

        JsonNode approved = admin.get("/api/v1/customer-emails/" + id).json();
        assertThat(approved.at("/decision/by/name").asString()).isEqualTo("Dana Reviewer");
        assertThat(publisher.post("/api/v1/customer-emails/" + id + "/send", "").status()).isEqualTo(202);
        Receiver.Request r = receiver.await("/customer-email", 1, Duration.ofSeconds(15)).get(0);
        String expected = "{\"customer\":{\"id\":\"tenant-123\",\"name\":\"Acme Corp\"},\"email\":{\"subject\":\"Issue update\","
                + "\"body\":\"We are aware of the issue <and> are investigating.\\n\\nThanks & sorry.\"}}";
        assertThat(r.bodyText()).isEqualTo(expected);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        assertThat(r.header("X-Webhook-Signature")).isEqualTo("sha256=" + HexFormat.of().formatHex(mac.doFinal(r.body())));

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!admin.get("/api/v1/customer-emails/" + id).json().get("status").asString().equals("sent") && System.nanoTime() < deadline) {
            Receiver.sleep(50);
        }
        page.navigate(base() + "/review?status=sent");
        assertThat(page.locator("#draft-" + id)).isVisible();
    }

    @Test
    void anApprovalBindsTheDestinationThePageShowedAndAChangeAfterItSendsTheDraftBackToReview() {
        String id = draft("Refund", "Your refund is on its way.");
        signIn();
        page.navigate(base() + "/review/drafts/" + id);
        Locator card = page.locator("#draft-" + id);
        assertThat(card.locator("dd.destination")).hasText("POST " + receiver.url("/customer-email"));
        assertThat(card).containsText("bearer token (fingerprint");
        assertThat(card).containsText("X-Webhook-Signature with the signing secret (fingerprint");
        assertThat(card).not().containsText("sk-live-123");
        String shown = admin.get("/api/v1/customer-emails/" + id).json().at("/destination/sha256").asString();
        assertThat(card.locator(".destination-sha256")).hasText(shown);

        // The connection is pointed elsewhere while the page is open: approving what the page showed is refused.
        patchBaseUrl("/elsewhere");
        card.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve")).click();
        assertThat(page.getByRole(AriaRole.ALERT)).containsText("changed after you were shown it");
        assertThat(page.locator("dd.destination")).hasText("POST " + receiver.url("/elsewhere"));
        assertThat(admin.get("/api/v1/customer-emails/" + id).json().get("status").asString()).isEqualTo("pending_review");

        // Approved for where it sends now; then changed again: the send is refused and the draft is back here.
        page.locator("#draft-" + id).getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Approve")).click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("Approved");
        patchBaseUrl("/third");
        page.reload();
        assertThat(page.locator("[data-flag=destination-changed]")).containsText("changed after the approval");
        assertThat(publisher.post("/api/v1/customer-emails/" + id + "/send", "").status()).isEqualTo(409);
        page.reload();
        assertThat(page.locator(".status")).hasText("pending review");
        assertThat(page.locator("dd.superseded")).containsText("Dana Reviewer");
        assertThat(page.locator("dd.superseded")).containsText("changed after the approval");
        assertThat(receiver.requests()).isEmpty();
    }

    private void patchBaseUrl(String path) {
        Api.Res r = admin.patch("/api/v1/connections/customer-email-delivery", "{\"connection_details\":{\"email_webhook\":{\"base_url\":\""
                + receiver.url(path) + "\",\"bearer_token\":{},\"webhook_signing_secret\":\"" + SECRET + "\"}}}");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    @Test
    void aSubjectThatReadsDifferentlyThanItIsWrittenIsShownWithVisibleMarksAndFlagged() {
        // Rendered as-is, "Refund of [RLO]001$[PDF]" reads "Refund of $100".
        String id = draft("Refund of \\u202e001$\\u202c", "We pay you back.");
        signIn();
        Locator card = page.locator("#draft-" + id);
        assertThat(card.locator("h2")).hasText("Refund of <U+202E>001$<U+202C>");
        assertThat(card.locator("[data-flag=invisible-characters]")).isVisible();
        assertThat(card.locator("[data-flag=invisible-characters]")).containsText("U+202E, U+202C in email.subject");
        page.navigate(base() + "/review/drafts/" + id);
        assertThat(page.locator("dd").filter(new Locator.FilterOptions().setHasText("Refund of"))).hasText("Refund of <U+202E>001$<U+202C>");
        assertThat(page.locator("span.invisible").first()).isVisible();
        assertThat(page.locator("[data-flag=invisible-characters]")).isVisible();
        page.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target", "review-page-hidden-characters.png")).setFullPage(true));
    }

    @Test
    void aReviewerRejectsADraftWithAReasonAndItCannotBeSent() {
        String id = draft("Wrong one", "This should not go out.");
        signIn();
        Locator card = page.locator("#draft-" + id);
        card.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Reject")).click();
        assertThat(page).hasURL(base() + "/review"); // the browser refuses to send the form without a reason
        card.getByLabel("Reason for rejecting").fill("Wrong customer: this is Globex's incident");
        card.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Reject")).click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("Rejected");
        assertThat(page.locator("dd").filter(new Locator.FilterOptions().setHasText("Globex"))).isVisible();
        JsonNode rejected = admin.get("/api/v1/customer-emails/" + id).json();
        assertThat(rejected.get("status").asString()).isEqualTo("rejected");
        assertThat(rejected.at("/decision/reason").asString()).isEqualTo("Wrong customer: this is Globex's incident");
        assertThat(publisher.post("/api/v1/customer-emails/" + id + "/send", "").status()).isEqualTo(409);
        page.navigate(base() + "/review");
        assertThat(page.locator(".empty")).isVisible();
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).click();
        assertThat(page).hasURL(base() + "/review/sign-in?notice=signed_out");
        page.navigate(base() + "/review/drafts/" + id);
        assertThat(page).hasURL(base() + "/review/sign-in");
        assertThat(receiver.requests()).isEmpty();
    }

    @Test
    void theSessionCookieIsHttpOnlyAndStrictAndFormsWithoutTheTokenAreRefused() {
        String id = draft("Forged", "Body");
        signIn();
        var cookie = context.cookies().stream().filter(c -> c.name.equals("herald_review")).findFirst().orElseThrow();
        assertThat(cookie.httpOnly).isTrue();
        assertThat(cookie.sameSite.name()).isEqualTo("STRICT");
        // A cross-site form post carries no CSRF token (and a foreign Origin): refused, nothing decided.
        var response = page.request().post(base() + "/review/drafts/" + id + "/approve",
                com.microsoft.playwright.options.RequestOptions.create().setHeader("Origin", "https://evil.example").setForm(
                        com.microsoft.playwright.options.FormData.create().set("csrf", "guess")));
        assertThat(response.status()).isEqualTo(403);
        assertThat(admin.get("/api/v1/customer-emails/" + id).json().get("status").asString()).isEqualTo("pending_review");
        Map<String, String> headers = page.request().get(base() + "/review").headers();
        assertThat(headers.get("content-security-policy")).contains("default-src 'none'");
    }
}
