package dev.herald.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.config.ConfigException;
import dev.herald.config.ConfigLoader;
import dev.herald.outbound.HostResolver;
import dev.herald.support.Api;
import dev.herald.support.Receiver;
import dev.herald.support.TestCerts;
import dev.herald.support.TestHerald;
import dev.herald.util.Json;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Amazon SES events through SNS. AWS publishes no vectors that can be checked offline (a real SNS
 * message verifies only against the certificate at its SigningCertURL, which cannot be fetched here), so
 * this test is its own SNS: it makes an RSA key and a certificate for it, serves the certificate over
 * HTTPS from a local server under the name {@code sns.eu-west-1.amazonaws.com} (the test's resolver sends
 * that name to 127.0.0.1; its TLS certificate comes from a test CA given to Herald as
 * SECURITY_OUTBOUND_CA_FILE, and SECURITY_OUTBOUND_ALLOWED_HOSTS lets the name through the private-address
 * rule), and signs each message with the JDK (SHA1withRSA for SignatureVersion 1, SHA256withRSA for 2)
 * over the string to sign exactly as the SNS documentation gives it: {@code name\nvalue\n} for Message,
 * MessageId, Subject (when present), Timestamp, TopicArn and Type of a Notification, and for Message,
 * MessageId, SubscribeURL, Timestamp, Token, TopicArn and Type of a SubscriptionConfirmation.
 */
class SesCallbackTest {
    static final String HOST = "sns.eu-west-1.amazonaws.com";
    static final String TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-events";
    static final String CERT_PATH = "/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem";

    @TempDir
    Path dir;
    Receiver sns;
    KeyPair signing;
    TestCerts tls;
    TestHerald herald;
    Api api;
    String id;

    static HostResolver resolver() {
        return host -> {
            if (host.equals(HOST)) return List.of(InetAddress.getByName("127.0.0.1"));
            throw new UnknownHostException(host);
        };
    }

    Map<String, String> settings(String... more) {
        Map<String, String> s = new HashMap<>(Map.of("SECURITY_OUTBOUND_ALLOW_HTTP", "false", "SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS", "false",
                "SECURITY_OUTBOUND_ALLOWED_HOSTS", HOST, "SECURITY_OUTBOUND_CA_FILE", tls.caPem().toString()));
        for (int i = 0; i < more.length; i += 2) s.put(more[i], more[i + 1]);
        return s;
    }

    @BeforeEach
    void start() throws Exception {
        tls = TestCerts.forHost(HOST, dir);
        sns = new Receiver(tls.server());
        signing = rsa();
        sns.on(CERT_PATH, Receiver.Reply.ok().withBody(pem(certificate(signing, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(1)))).getBytes(StandardCharsets.US_ASCII)));
        sns.on("/", Receiver.Reply.ok().withBody("<ConfirmSubscriptionResponse/>".getBytes(StandardCharsets.UTF_8)));
        herald = TestHerald.start(settings(), resolver());
        api = herald.newProject("ses");
        id = Callbacks.source(api, "{\"name\":\"ses\",\"provider\":\"ses\",\"credentials\":{\"topic_arns\":[\"" + TOPIC + "\"]}}").get("id").asString();
    }

    @AfterEach
    void stop() {
        if (herald != null) herald.close();
        sns.close();
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static X509Certificate certificate(KeyPair keys, Instant from, Instant to) throws Exception {
        X500Name name = new X500Name("CN=sns.amazonaws.com");
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(System.nanoTime()),
                Date.from(from), Date.from(to), name, keys.getPublic()).build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
    }

    static String pem(X509Certificate c) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(c.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    String certUrl() {
        return "https://" + HOST + ":" + sns.port() + CERT_PATH;
    }

    /** The SNS envelope of an SES event, signed with {@code key} as SNS does (version "1" or "2"). */
    ObjectNode notification(String sesEvent, String subject, Instant at, PrivateKey key, String version) throws Exception {
        ObjectNode m = Json.object();
        m.put("Type", "Notification");
        m.put("MessageId", UUID.randomUUID().toString());
        m.put("TopicArn", TOPIC);
        if (subject != null) m.put("Subject", subject);
        m.put("Message", sesEvent);
        m.put("Timestamp", at.toString());
        m.put("SignatureVersion", version);
        m.put("SigningCertURL", certUrl());
        m.put("UnsubscribeURL", "https://" + HOST + "/?Action=Unsubscribe&SubscriptionArn=" + TOPIC + ":4d3b2a1c");
        sign(m, key, List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"));
        return m;
    }

    static void sign(ObjectNode m, PrivateKey key, List<String> fields) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String f : fields) if (m.has(f)) text.append(f).append('\n').append(m.get(f).asString()).append('\n');
        Signature s = Signature.getInstance(m.get("SignatureVersion").asString().equals("1") ? "SHA1withRSA" : "SHA256withRSA");
        s.initSign(key);
        s.update(text.toString().getBytes(StandardCharsets.UTF_8));
        m.put("Signature", Base64.getEncoder().encodeToString(s.sign()));
    }

    Callbacks.Answer post(JsonNode message) {
        return Callbacks.post(herald, id, Json.write(message).getBytes(StandardCharsets.UTF_8), "Content-Type", "text/plain; charset=UTF-8",
                "x-amz-sns-message-type", message.get("Type").asString(), "x-amz-sns-topic-arn", TOPIC);
    }

    static String mail(String messageId, String... destination) {
        StringBuilder to = new StringBuilder();
        for (String d : destination) to.append(to.isEmpty() ? "" : ",").append('"').append(d).append('"');
        return "\"mail\":{\"timestamp\":\"2026-03-02T10:00:00.000Z\",\"source\":\"shop@example.com\",\"sendingAccountId\":\"123456789012\","
                + "\"messageId\":\"" + messageId + "\",\"destination\":[" + to + "],\"commonHeaders\":{\"from\":[\"shop@example.com\"],"
                + "\"to\":[" + to + "],\"messageId\":\"<order-17@shop.example.com>\",\"subject\":\"Your order\"}}";
    }

    static String bounce(String type) {
        return "{\"eventType\":\"Bounce\",\"bounce\":{\"bounceType\":\"" + type + "\",\"bounceSubType\":\"General\",\"bouncedRecipients\":["
                + "{\"emailAddress\":\"gone@example.com\",\"action\":\"failed\",\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"},"
                + "{\"emailAddress\":\"full@example.com\",\"action\":\"failed\",\"status\":\"5.2.2\"}],"
                + "\"timestamp\":\"2026-03-02T10:00:05.000Z\",\"feedbackId\":\"0102017e-bounce\"}," + mail("0102017e-msg-1", "gone@example.com",
                "full@example.com", "ok@example.com") + "}";
    }

    @Test
    void aSignedBounceIsOneStatusPerBouncedRecipientAndItsRetryCreatesNothing() throws Exception {
        ObjectNode m = notification(bounce("Permanent"), null, Instant.now(), signing.getPrivate(), "2");
        Callbacks.Answer a = post(m);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(a.json().get("statuses").asInt()).isEqualTo(2);
        List<JsonNode> statuses = Callbacks.statuses(api, "");
        assertThat(statuses).extracting(s -> s.get("recipient").asString()).containsExactlyInAnyOrder("gone@example.com", "full@example.com");
        for (JsonNode s : statuses) {
            assertThat(s.get("provider").asString()).isEqualTo("ses");
            assertThat(s.get("channel").asString()).isEqualTo("email");
            assertThat(s.get("status").asString()).isEqualTo("bounced");
            assertThat(s.get("provider_status").asString()).isEqualTo("Bounce");
            assertThat(s.get("bounce_type").asString()).isEqualTo("Permanent");
            assertThat(s.get("provider_message_id").asString()).isEqualTo("0102017e-msg-1");
            assertThat(s.get("provider_event_id").asString()).isEqualTo(m.get("MessageId").asString());
            assertThat(s.get("occurred_at").asString()).isEqualTo("2026-03-02T10:00:05Z");
            assertThat(s.get("reason").asString()).isEqualTo(s.get("recipient").asString().equals("gone@example.com")
                    ? "smtp; 550 5.1.1 user unknown" : "General");
        }

        // SNS retries the same message: nothing new, and the certificate comes from the cache.
        Callbacks.Answer again = post(m);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("duplicates").asInt()).isEqualTo(2);
        assertThat(Callbacks.statuses(api, "")).hasSize(2);
        assertThat(sns.requests(CERT_PATH)).as("fetched once, then cached").hasSize(1);
    }

    @Test
    void signatureVersion1WithASubjectVerifies() throws Exception {
        String delivery = "{\"notificationType\":\"Delivery\",\"delivery\":{\"timestamp\":\"2026-03-02T10:00:03.000Z\",\"recipients\":[\"ok@example.com\"],"
                + "\"smtpResponse\":\"250 2.0.0 OK\",\"processingTimeMillis\":800}," + mail("0102017e-msg-2", "ok@example.com") + "}";
        Callbacks.Answer a = post(notification(delivery, "Amazon SES Email Event Notification", Instant.now(), signing.getPrivate(), "1"));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        JsonNode s = Callbacks.statuses(api, "").get(0);
        assertThat(s.get("status").asString()).isEqualTo("delivered");
        assertThat(s.get("reason").asString()).isEqualTo("250 2.0.0 OK");
        assertThat(s.get("recipient").asString()).isEqualTo("ok@example.com");
    }

    @Test
    void aSubscriptionConfirmationIsVerifiedAndConfirmedThroughTheOutboundClient() throws Exception {
        ObjectNode m = Json.object();
        m.put("Type", "SubscriptionConfirmation");
        m.put("MessageId", UUID.randomUUID().toString());
        m.put("Token", "2336412f37fb687f5d51e6e2425c464de12884");
        m.put("TopicArn", TOPIC);
        m.put("Message", "You have chosen to subscribe to the topic " + TOPIC + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.");
        m.put("SubscribeURL", "https://" + HOST + ":" + sns.port() + "/?Action=ConfirmSubscription&TopicArn=" + TOPIC
                + "&Token=2336412f37fb687f5d51e6e2425c464de12884");
        m.put("Timestamp", Instant.now().toString());
        m.put("SignatureVersion", "2");
        m.put("SigningCertURL", certUrl());
        sign(m, signing.getPrivate(), List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"));

        Callbacks.Answer a = post(m);
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        assertThat(a.json().get("statuses").asInt()).isZero();
        List<Receiver.Request> confirmations = sns.requests("/");
        assertThat(confirmations).hasSize(1);
        assertThat(confirmations.get(0).method()).isEqualTo("GET");
        assertThat(confirmations.get(0).query()).contains("Action=ConfirmSubscription").contains("Token=2336412f37fb687f5d51e6e2425c464de12884");

        // A confirmation whose SubscribeURL names another host is refused before anything is called.
        m.put("SubscribeURL", "https://sns.eu-west-1.amazonaws.com.evil.example/?Action=ConfirmSubscription&Token=x");
        sign(m, signing.getPrivate(), List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"));
        Callbacks.Answer evil = post(m);
        assertThat(evil.status()).isEqualTo(401);
        assertThat(Callbacks.requests(api, id).get(0).get("reason").asString())
                .isEqualTo("SubscribeURL host sns.eu-west-1.amazonaws.com.evil.example is not an SNS host");
        assertThat(sns.requests("/")).hasSize(1);
    }

    @Test
    void aConfirmationSnsRefusesIsA422InTheRequestLogNotA5xx() throws Exception {
        sns.on("/", Receiver.Reply.status(403));
        ObjectNode m = Json.object();
        m.put("Type", "SubscriptionConfirmation");
        m.put("MessageId", UUID.randomUUID().toString());
        m.put("Token", "expired-token");
        m.put("TopicArn", TOPIC);
        m.put("Message", "You have chosen to subscribe to the topic " + TOPIC + ".");
        m.put("SubscribeURL", "https://" + HOST + ":" + sns.port() + "/?Action=ConfirmSubscription&TopicArn=" + TOPIC + "&Token=expired-token");
        m.put("Timestamp", Instant.now().toString());
        m.put("SignatureVersion", "2");
        m.put("SigningCertURL", certUrl());
        sign(m, signing.getPrivate(), List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"));

        Callbacks.Answer a = post(m);
        assertThat(a.status()).as(a.text()).isEqualTo(422);
        assertThat(a.json().at("/error/code").asString()).isEqualTo("subscription_not_confirmed");
        JsonNode record = Callbacks.requests(api, id).get(0);
        assertThat(record.get("outcome").asString()).isEqualTo("invalid");
        assertThat(record.get("reason").asString()).contains("answered HTTP 403");
        assertThat(sns.requests("/")).hasSize(1);
    }

    @Test
    void tamperedWronglySignedStaleAndUnsignedMessagesAreRefused() throws Exception {
        ObjectNode tampered = notification(bounce("Permanent"), null, Instant.now(), signing.getPrivate(), "2");
        tampered.put("Message", bounce("Transient"));
        ObjectNode wrongKey = notification(bounce("Permanent"), null, Instant.now(), rsa().getPrivate(), "2");
        ObjectNode stale = notification(bounce("Permanent"), null, Instant.now().minus(Duration.ofMinutes(6)), signing.getPrivate(), "2");
        ObjectNode otherVersion = notification(bounce("Permanent"), null, Instant.now(), signing.getPrivate(), "2");
        otherVersion.put("SignatureVersion", "3\n2026-03-02 INFO forged log line");
        for (JsonNode m : List.of(tampered, wrongKey, stale, otherVersion)) assertThat(post(m).status()).as(m.toString()).isEqualTo(401);

        // Raw message delivery: the SES event itself, no envelope, no signature.
        Callbacks.Answer raw = Callbacks.post(herald, id, bounce("Permanent").getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json",
                "x-amz-sns-rawdelivery", "true");
        assertThat(raw.status()).isEqualTo(401);
        Callbacks.Answer rawWithoutHeader = Callbacks.post(herald, id, bounce("Permanent").getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        assertThat(rawWithoutHeader.status()).isEqualTo(401);

        assertThat(Callbacks.statuses(api, "")).isEmpty();
        assertThat(Callbacks.requests(api, id)).extracting(r -> r.get("reason").asString()).containsExactly(
                "raw message delivery is refused: SNS signs only the envelope", "raw message delivery is refused: SNS signs only the envelope",
                "unknown SignatureVersion (unprintable)", "stale timestamp", "signature mismatch", "signature mismatch");
    }

    @Test
    void theTopicAndTheCertificateUrlAreCheckedBeforeAnythingIsFetched() throws Exception {
        ObjectNode otherTopic = notification(bounce("Permanent"), null, Instant.now(), signing.getPrivate(), "2");
        otherTopic.put("TopicArn", "arn:aws:sns:eu-west-1:210987654321:someone-elses");
        sign(otherTopic, signing.getPrivate(), List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"));
        assertThat(post(otherTopic).status()).isEqualTo(401);
        for (String url : List.of("https://evil.example" + CERT_PATH, "http://" + HOST + ":" + sns.port() + CERT_PATH,
                "https://" + HOST + ":" + sns.port() + "/SimpleNotificationService.txt", "https://user@" + HOST + ":" + sns.port() + CERT_PATH)) {
            ObjectNode m = notification(bounce("Permanent"), null, Instant.now(), signing.getPrivate(), "2");
            m.put("SigningCertURL", url);
            assertThat(post(m).status()).as(url).isEqualTo(401);
        }
        assertThat(Callbacks.requests(api, id)).extracting(r -> r.get("reason").asString()).containsExactly(
                "SigningCertURL must name a host and nothing else", "SigningCertURL must be a .pem file", "SigningCertURL must be https",
                "SigningCertURL host evil.example is not an SNS host", "TopicArn is not one of the source's topic_arns");
        assertThat(sns.requests()).as("nothing was fetched for any of them").isEmpty();
    }

    @Test
    void theCertificateHostPatternIsASetting() throws Exception {
        herald.close();
        herald = TestHerald.start(settings("HERALD_INBOUND_SNS_CERT_HOSTS", "^sns\\.us-east-1\\.amazonaws\\.com$"), resolver());
        api = herald.newProject("ses-pattern");
        id = Callbacks.source(api, "{\"name\":\"ses\",\"provider\":\"ses\",\"credentials\":{\"topic_arns\":[\"" + TOPIC + "\"]}}").get("id").asString();
        assertThat(post(notification(bounce("Permanent"), null, Instant.now(), signing.getPrivate(), "2")).status()).isEqualTo(401);
        assertThat(Callbacks.requests(api, id).get(0).get("reason").asString()).isEqualTo("SigningCertURL host " + HOST + " is not an SNS host");
        assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("HERALD_INBOUND_SNS_CERT_HOSTS", "(")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("HERALD_INBOUND_SNS_CERT_HOSTS");
        assertThat(ConfigLoader.load(Map.of(), Map.of()).inbound().snsCertificateHosts().matcher("sns.cn-north-1.amazonaws.com.cn").matches()).isTrue();
    }

    @Test
    void anExpiredSigningCertificateIsRefused() throws Exception {
        sns.on(CERT_PATH, Receiver.Reply.ok().withBody(pem(certificate(signing, Instant.now().minus(Duration.ofDays(3)),
                Instant.now().minus(Duration.ofDays(1)))).getBytes(StandardCharsets.US_ASCII)));
        assertThat(post(notification(bounce("Permanent"), null, Instant.now(), signing.getPrivate(), "2")).status()).isEqualTo(401);
        assertThat(Callbacks.requests(api, id).get(0).get("reason").asString()).isEqualTo("signing certificate expired or not yet valid");
    }

    @Test
    void everySesEventTypeMapsToHeraldsStatus() throws Exception {
        Map<String, String> events = new java.util.LinkedHashMap<>();
        events.put("Send", "{\"eventType\":\"Send\",\"send\":{}," + mail("m-send", "a@example.com", "b@example.com") + "}");
        events.put("Delivery", "{\"eventType\":\"Delivery\",\"delivery\":{\"timestamp\":\"2026-03-02T10:00:03Z\",\"recipients\":[\"a@example.com\"],"
                + "\"smtpResponse\":\"250 OK\"}," + mail("m-delivery", "a@example.com") + "}");
        events.put("Bounce", bounce("Transient"));
        events.put("Complaint", "{\"eventType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":[{\"emailAddress\":\"a@example.com\"}],"
                + "\"timestamp\":\"2026-03-02T11:00:00Z\",\"complaintFeedbackType\":\"abuse\"}," + mail("m-complaint", "a@example.com") + "}");
        events.put("Reject", "{\"eventType\":\"Reject\",\"reject\":{\"reason\":\"Bad content\"}," + mail("m-reject", "a@example.com") + "}");
        events.put("Open", "{\"eventType\":\"Open\",\"open\":{\"ipAddress\":\"192.0.2.1\",\"timestamp\":\"2026-03-02T12:00:00Z\",\"userAgent\":\"Mail\"},"
                + mail("m-open", "a@example.com") + "}");
        events.put("Click", "{\"eventType\":\"Click\",\"click\":{\"ipAddress\":\"192.0.2.1\",\"timestamp\":\"2026-03-02T12:01:00Z\","
                + "\"link\":\"https://shop.example.com/o/17\"}," + mail("m-click", "a@example.com", "b@example.com") + "}");
        events.put("DeliveryDelay", "{\"eventType\":\"DeliveryDelay\",\"deliveryDelay\":{\"delayType\":\"MailboxFull\",\"delayedRecipients\":"
                + "[{\"emailAddress\":\"a@example.com\",\"status\":\"4.2.2\",\"diagnosticCode\":\"smtp; 452 4.2.2 mailbox full\"}],"
                + "\"timestamp\":\"2026-03-02T10:30:00Z\"}," + mail("m-delay", "a@example.com") + "}");
        events.put("RenderingFailure", "{\"eventType\":\"Rendering Failure\",\"failure\":{\"errorMessage\":\"Attribute 'name' is not present\","
                + "\"templateName\":\"order\"}," + mail("m-render", "a@example.com") + "}");
        events.put("Subscription", "{\"eventType\":\"Subscription\",\"subscription\":{}," + mail("m-sub", "a@example.com") + "}");
        for (Map.Entry<String, String> e : events.entrySet()) {
            Callbacks.Answer a = post(notification(e.getValue(), null, Instant.now(), signing.getPrivate(), "2"));
            assertThat(a.status()).as(e.getKey() + ": " + a.text()).isEqualTo(200);
        }
        Map<String, List<String>> got = new HashMap<>();
        for (JsonNode s : Callbacks.statuses(api, "")) {
            got.computeIfAbsent(s.get("provider_message_id").asString(), k -> new java.util.ArrayList<>())
                    .add(s.get("status").asString() + " " + (s.get("recipient").isNull() ? "-" : s.get("recipient").asString()) + " "
                            + (s.get("reason").isNull() ? "-" : s.get("reason").asString()));
            assertThat(s.get("email_id").isNull()).isTrue();
        }
        assertThat(got.get("m-send")).containsExactlyInAnyOrder("accepted a@example.com -", "accepted b@example.com -");
        assertThat(got.get("m-delivery")).containsExactly("delivered a@example.com 250 OK");
        assertThat(got.get("0102017e-msg-1")).containsExactlyInAnyOrder("bounced gone@example.com smtp; 550 5.1.1 user unknown",
                "bounced full@example.com General");
        assertThat(got.get("m-complaint")).containsExactly("complained a@example.com abuse");
        assertThat(got.get("m-reject")).containsExactly("failed a@example.com Bad content");
        assertThat(got.get("m-open")).containsExactly("opened a@example.com -");
        assertThat(got.get("m-click")).as("two recipients: the click is the mail's, no recipient").containsExactly("clicked - -");
        assertThat(got.get("m-delay")).containsExactly("deferred a@example.com smtp; 452 4.2.2 mailbox full");
        assertThat(got.get("m-render")).containsExactly("failed a@example.com Attribute 'name' is not present");
        assertThat(got).doesNotContainKey("m-sub");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"name\":\"x\",\"provider\":\"ses\"}                                                  | credentials",
            "{\"name\":\"x\",\"provider\":\"ses\",\"credentials\":{}}                               | credentials.topic_arns",
            "{\"name\":\"x\",\"provider\":\"ses\",\"credentials\":{\"topic_arns\":[]}}              | credentials.topic_arns",
            "{\"name\":\"x\",\"provider\":\"ses\",\"credentials\":{\"topic_arns\":\"arn:aws:sns:eu-west-1:123456789012:t\"}} | credentials.topic_arns",
            "{\"name\":\"x\",\"provider\":\"ses\",\"credentials\":{\"topic_arns\":[\"ses-events\"]}} | credentials.topic_arns",
            "{\"name\":\"x\",\"provider\":\"ses\",\"credentials\":{\"topic_arns\":[\"" + TOPIC + "\"],\"region\":\"eu\"}} | credentials.region"})
    void missingOrMalformedCredentialsAreA400NamingTheField(String body, String field) {
        Api.Res r = api.post("/api/v1/inbound-sources", body);
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(r.json().at("/error/field").asString()).isEqualTo(field);
    }
}
