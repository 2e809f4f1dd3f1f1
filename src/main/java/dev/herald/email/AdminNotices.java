package dev.herald.email;

import dev.herald.delivery.Ingress;
import dev.herald.templates.Templates;
import dev.herald.util.Addresses;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emails the operators ({@code HERALD_ADMIN_EMAILS}) when a webhook is disabled automatically, when
 * SMTP is on. The email is queued in the disabling transaction, in the webhook's project, and is
 * delivered, retried and dead-lettered like any other. A failure to queue it is logged and never
 * undoes the disabling.
 */
public final class AdminNotices {
    private static final Logger log = LoggerFactory.getLogger(AdminNotices.class);
    public static final String TEMPLATE = "webhook_disabled";

    private final EmailService emails;
    private final List<Addresses.Mailbox> admins;

    public AdminNotices(EmailService emails, List<String> adminEmails) {
        this.emails = emails;
        this.admins = adminEmails.stream().map(a -> Addresses.of(a, null)).toList();
    }

    /** The webhook that was disabled, as the notice names it. */
    public record DisabledWebhook(String projectId, String id, String url) {}

    /** Queues the notice in the disabling write {@code q}; never throws. */
    public void webhookDisabled(Ingress.Queue q, DisabledWebhook w, String reason) {
        if (admins.isEmpty() || !emails.enabled()) return;
        try {
            String project = q.handle().createQuery("SELECT name FROM projects WHERE id = :p").bind("p", w.projectId()).mapTo(String.class).findOne()
                    .orElse(w.projectId());
            emails.sendInternal(q, w.projectId(), admins, content(project, w, reason, q.now()), TEMPLATE)
                    .ifPresent(id -> log.info("webhook {} disabled: notice {} queued for {} operator address(es)", w.id(), id, admins.size()));
        } catch (RuntimeException e) {
            log.warn("could not queue the email notice for disabled webhook {}: {}", w.id(), e.getMessage());
        }
    }

    static MimeComposer.Content content(String project, DisabledWebhook w, String reason, long now) {
        String subject = oneLine("[Herald] Webhook disabled in project " + project);
        String text = """
                A webhook was disabled automatically. It receives no deliveries until it is re-enabled.

                Project:   %s (%s)
                Webhook:   %s
                URL:       %s
                Reason:    %s
                Disabled:  %s

                Its waiting deliveries are paused, not dropped. Fix the receiver, then re-enable the webhook:
                PATCH /api/v1/webhooks/%s with {"enabled": true}
                """.formatted(project, w.projectId(), w.id(), w.url(), reason, Instant.ofEpochMilli(now), w.id());
        return new MimeComposer.Content(subject.length() > Templates.MAX_SUBJECT ? subject.substring(0, Templates.MAX_SUBJECT) : subject, text, null);
    }

    private static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? ' ' : c);
        }
        return b.toString();
    }
}
