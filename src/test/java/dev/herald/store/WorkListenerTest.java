package dev.herald.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.postgresql.PGNotification;
import org.postgresql.core.Notification;

/**
 * A process's own work notification wakes nothing in it (the Ingress woke its worker directly before
 * announcing), while any other process's does, including a node of an earlier version, whose
 * notifications carry no payload. The notifications are pgjdbc's own, as its listener hands them over;
 * SharedDatabaseTest has an API node's announcement wake a worker in another process.
 */
class WorkListenerTest {
    private static PGNotification from(String payload) {
        return new Notification(Database.WORK_CHANNEL, 4242, payload);
    }

    @Test
    void onlyAnotherProcesssAnnouncementWakesTheWorker() {
        assertThat(WorkListener.fromElsewhere("me", new PGNotification[] {from("me")})).isFalse();
        assertThat(WorkListener.fromElsewhere("me", new PGNotification[] {from("me"), from("me")})).isFalse();
        assertThat(WorkListener.fromElsewhere("me", new PGNotification[] {from("me"), from("another")})).isTrue();
        assertThat(WorkListener.fromElsewhere("me", new PGNotification[] {from("")})).as("an earlier version's, without a payload").isTrue();
    }
}
