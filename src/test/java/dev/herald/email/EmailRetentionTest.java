package dev.herald.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.delivery.Retention;
import dev.herald.store.Database;
import dev.herald.support.Api;
import dev.herald.support.Emails;
import dev.herald.support.SmtpSink;
import dev.herald.support.TestHerald;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Retention removes what the email feature keeps beside the queue (its recipients with the deliveries,
 * the email with its message) through {@link EmailChannel#ATTACHED}, and nothing of a younger email.
 */
class EmailRetentionTest {
    @Test
    void aSentEmailsRecipientsAndRowGoWithItsDeliveriesAndMessage() {
        try (SmtpSink sink = new SmtpSink(); TestHerald herald = TestHerald.start(Emails.smtp(sink))) {
            Api api = herald.newProject("email-retention");
            String id = Emails.send(api, "{\"to\":[\"a@example.com\",\"b@example.com\"],\"subject\":\"old\",\"text\":\"x\"}");
            assertThat(Emails.awaitFinal(api, id, Duration.ofSeconds(15)).get("status").asString()).isEqualTo("sent");
            Database db = herald.herald().database();
            assertThat(count(db, "SELECT count(*) FROM email_recipients WHERE email_id = '" + id + "'")).isEqualTo(2);

            // Not old enough: everything stays.
            assertThat(new Retention(db, Clock.systemUTC(), Duration.ofHours(1), Duration.ofHours(24), EmailChannel.ATTACHED).runOnce()).isZero();
            assertThat(count(db, "SELECT count(*) FROM emails WHERE id = '" + id + "'")).isEqualTo(1);

            Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);
            assertThat(new Retention(db, later, Duration.ofHours(1), Duration.ofHours(24), EmailChannel.ATTACHED).runOnce()).isEqualTo(2);
            assertThat(count(db, "SELECT count(*) FROM email_recipients")).as("recipients go with their deliveries").isZero();
            assertThat(count(db, "SELECT count(*) FROM messages")).isZero();
            assertThat(count(db, "SELECT count(*) FROM emails")).as("the email goes with its message").isZero();
            assertThat(api.get("/api/v1/emails/" + id).status()).isEqualTo(404);
        }
    }

    static int count(Database db, String sql) {
        return db.read(h -> h.createQuery(sql).mapTo(Integer.class).one());
    }
}
