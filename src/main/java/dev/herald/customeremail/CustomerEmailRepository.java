package dev.herald.customeremail;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;

/** SQL for customer emails. Every method takes the caller's handle, so it joins the caller's transaction. */
final class CustomerEmailRepository {
    private static final String COLUMNS = "id, project_id, connection_id, connection_name, session_id, issue_url, payload, payload_sha256, status, "
            + "created_by, created_by_name, created_at, decided_by, decided_by_name, decided_at, reject_reason, message_id, delivery_id, sent_at, "
            + "slack_status, slack_delivery_id, slack_error, updated_at, approval_destination_sha256";

    private CustomerEmailRepository() {}

    static void insert(Handle h, CustomerEmail e) {
        h.createUpdate("INSERT INTO customer_emails (" + COLUMNS + ") VALUES (:id, :project_id, :connection_id, :connection_name, :session_id, "
                        + ":issue_url, :payload, :payload_sha256, :status, :created_by, :created_by_name, :created_at, NULL, NULL, NULL, NULL, NULL, NULL, "
                        + "NULL, :slack_status, :slack_delivery_id, :slack_error, :updated_at, NULL)")
                .bind("id", e.id()).bind("project_id", e.projectId()).bind("connection_id", e.connectionId()).bind("connection_name", e.connectionName())
                .bind("session_id", e.sessionId()).bind("issue_url", e.issueUrl()).bind("payload", e.payload()).bind("payload_sha256", e.payloadSha256())
                .bind("status", e.status()).bind("created_by", e.createdBy()).bind("created_by_name", e.createdByName()).bind("created_at", e.createdAt())
                .bind("slack_status", e.slackStatus()).bind("slack_delivery_id", e.slackDeliveryId()).bind("slack_error", e.slackError())
                .bind("updated_at", e.updatedAt())
                .execute();
    }

    static Optional<CustomerEmail> find(Handle h, String projectId, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM customer_emails WHERE id = :id AND project_id = :p")
                .bind("id", id).bind("p", projectId).map(CustomerEmailRepository::map).findOne();
    }

    static Optional<CustomerEmail> byMessage(Handle h, String messageId) {
        return h.createQuery("SELECT " + COLUMNS + " FROM customer_emails WHERE message_id = :m").bind("m", messageId).map(CustomerEmailRepository::map).findOne();
    }

    /** Newest first; {@code before} is an id cursor (ids are UUIDv7, ordered by creation). */
    static List<CustomerEmail> list(Handle h, String projectId, String status, String sessionId, String before, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM customer_emails WHERE project_id = :p");
        if (status != null) sql.append(" AND status = :s");
        if (sessionId != null) sql.append(" AND session_id = :session");
        if (before != null) sql.append(" AND id < :before");
        sql.append(" ORDER BY id DESC LIMIT :limit");
        Query q = h.createQuery(sql.toString()).bind("p", projectId).bind("limit", limit);
        if (status != null) q.bind("s", status);
        if (sessionId != null) q.bind("session", sessionId);
        if (before != null) q.bind("before", before);
        return q.map(CustomerEmailRepository::map).list();
    }

    static boolean sessionHasDrafts(Handle h, String projectId, String sessionId) {
        return h.createQuery("SELECT 1 FROM customer_emails WHERE project_id = :p AND session_id = :s LIMIT 1")
                .bind("p", projectId).bind("s", sessionId).mapTo(Integer.class).findOne().isPresent();
    }

    /** Records a rejection of a draft still pending review; false when it was already decided. */
    static boolean reject(Handle h, String projectId, String id, String by, String byName, String reason, long now) {
        return h.createUpdate("UPDATE customer_emails SET status = 'rejected', decided_by = :by, decided_by_name = :name, decided_at = :now, "
                        + "reject_reason = :r, updated_at = :now WHERE id = :id AND project_id = :p AND status = 'pending_review'")
                .bind("by", by).bind("name", byName).bind("now", now).bind("r", reason).bind("id", id).bind("p", projectId)
                .execute() == 1;
    }

    /**
     * Records the approval of a draft still pending review, for the destination {@code a} names, and keeps
     * it among the draft's approvals; false when the draft was already decided.
     */
    static boolean approve(Handle h, String projectId, String id, CustomerEmail.Approval a) {
        boolean done = h.createUpdate("UPDATE customer_emails SET status = 'approved', decided_by = :by, decided_by_name = :name, decided_at = :now, "
                        + "reject_reason = NULL, approval_destination_sha256 = :dest, updated_at = :now "
                        + "WHERE id = :id AND project_id = :p AND status = 'pending_review'")
                .bind("by", a.by()).bind("name", a.byName()).bind("now", a.at()).bind("dest", a.destinationSha256()).bind("id", id).bind("p", projectId)
                .execute() == 1;
        if (!done) return false;
        h.createUpdate("INSERT INTO customer_email_approvals (id, customer_email_id, project_id, approved_by, approved_by_name, approved_at, payload_sha256, "
                        + "destination_sha256, destination, superseded_at, superseded_reason) VALUES (:aid, :id, :p, :by, :name, :now, :payload, :dest, "
                        + ":description, NULL, NULL)")
                .bind("aid", a.id()).bind("id", id).bind("p", projectId).bind("by", a.by()).bind("name", a.byName()).bind("now", a.at())
                .bind("payload", a.payloadSha256()).bind("dest", a.destinationSha256()).bind("description", a.destination()).execute();
        return true;
    }

    /**
     * Sends an approved (or failed) draft back to review because its approval no longer holds: the approval
     * is kept as superseded with {@code reason}, and the draft forgets its decision and its delivery, so a
     * new approval can be given and sent. {@code messageId} limits it to the draft carrying that message
     * (a refused attempt); null limits it to a draft not yet queued. False when nothing matched.
     */
    static boolean supersede(Handle h, String id, String messageId, String reason, long now) {
        String which = messageId == null ? " AND delivery_id IS NULL" : " AND message_id = :m";
        var update = h.createUpdate("UPDATE customer_emails SET status = 'pending_review', decided_by = NULL, decided_by_name = NULL, decided_at = NULL, "
                        + "approval_destination_sha256 = NULL, message_id = NULL, delivery_id = NULL, updated_at = :now "
                        + "WHERE id = :id AND status IN ('approved', 'failed')" + which)
                .bind("now", now).bind("id", id);
        if (messageId != null) update.bind("m", messageId);
        if (update.execute() != 1) return false;
        h.createUpdate("UPDATE customer_email_approvals SET superseded_at = :now, superseded_reason = :r WHERE customer_email_id = :id AND superseded_at IS NULL")
                .bind("now", now).bind("r", reason).bind("id", id).execute();
        return true;
    }

    /** The draft's approvals, oldest first: the current one (if any) and those superseded. */
    static List<CustomerEmail.Approval> approvals(Handle h, String id) {
        return h.createQuery("SELECT id, approved_by, approved_by_name, approved_at, payload_sha256, destination_sha256, destination, superseded_at, "
                        + "superseded_reason FROM customer_email_approvals WHERE customer_email_id = :id ORDER BY approved_at, id")
                .bind("id", id)
                .map((rs, ctx) -> new CustomerEmail.Approval(rs.getString("id"), rs.getString("approved_by"), rs.getString("approved_by_name"),
                        rs.getLong("approved_at"), rs.getString("payload_sha256"), rs.getString("destination_sha256"), rs.getString("destination"),
                        nullableLong(rs, "superseded_at"), rs.getString("superseded_reason")))
                .list();
    }

    static void markQueued(Handle h, String id, String messageId, String deliveryId, long now) {
        h.createUpdate("UPDATE customer_emails SET message_id = :m, delivery_id = :d, updated_at = :now WHERE id = :id")
                .bind("m", messageId).bind("d", deliveryId).bind("now", now).bind("id", id).execute();
    }

    /** The send succeeded (from approved, or failed and then replayed). */
    static void markSent(Handle h, String messageId, long now) {
        h.createUpdate("UPDATE customer_emails SET status = 'sent', sent_at = :now, updated_at = :now WHERE message_id = :m AND status IN ('approved', 'failed')")
                .bind("now", now).bind("m", messageId).execute();
    }

    /** The send was dead-lettered; an email once sent stays sent. */
    static void markFailed(Handle h, String messageId, long now) {
        h.createUpdate("UPDATE customer_emails SET status = 'failed', updated_at = :now WHERE message_id = :m AND status = 'approved'")
                .bind("now", now).bind("m", messageId).execute();
    }

    static void markSlack(Handle h, String slackDeliveryId, String status, String error, long now) {
        h.createUpdate("UPDATE customer_emails SET slack_status = :s, slack_error = :e, updated_at = :now WHERE slack_delivery_id = :d")
                .bind("s", status).bind("e", error).bind("now", now).bind("d", slackDeliveryId).execute();
    }

    private static CustomerEmail map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new CustomerEmail(rs.getString("id"), rs.getString("project_id"), rs.getString("connection_id"), rs.getString("connection_name"),
                rs.getString("session_id"), rs.getString("issue_url"), rs.getBytes("payload"), rs.getString("payload_sha256"), rs.getString("status"),
                rs.getString("created_by"), rs.getString("created_by_name"), rs.getLong("created_at"), rs.getString("decided_by"),
                rs.getString("decided_by_name"), nullableLong(rs, "decided_at"), rs.getString("reject_reason"), rs.getString("message_id"),
                rs.getString("delivery_id"), nullableLong(rs, "sent_at"), rs.getString("slack_status"), rs.getString("slack_delivery_id"),
                rs.getString("slack_error"), rs.getLong("updated_at"), rs.getString("approval_destination_sha256"));
    }

    private static Long nullableLong(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }
}
