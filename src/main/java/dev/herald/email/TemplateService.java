package dev.herald.email;

import dev.herald.store.Database;
import dev.herald.templates.Templates;
import dev.herald.util.Addresses;
import dev.herald.util.JsonBody;
import dev.herald.util.Problem;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * Per-project email templates: stored overrides, else Herald's {@link BuiltInTemplates}. Every part is
 * compiled when saved, so a template that does not compile never reaches a send; an override of a
 * built-in may use only the variables Herald supplies to it.
 */
public final class TemplateService {
    public static final Set<String> FIELDS = Set.of("subject", "text", "html");
    public static final int MAX_PART_CHARS = 256 * 1024;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

    private final Database db;
    private final Clock clock;

    public TemplateService(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** The project's override, else the built-in; 404 otherwise. */
    public EmailTemplate get(String projectId, String name) {
        checkName(name);
        return db.read(h -> find(h, projectId, name)).orElseThrow(() -> Problem.notFound("email template '" + name + "'"));
    }

    /** Every template the project can use: its overrides and the built-ins it has not overridden, by name. */
    public List<EmailTemplate> list(String projectId) {
        Map<String, EmailTemplate> out = new java.util.TreeMap<>();
        for (BuiltInTemplates.BuiltIn b : BuiltInTemplates.all()) out.put(b.template().name(), b.template());
        for (EmailTemplate t : db.read(h -> h.createQuery("SELECT name, subject, text_body, html_body, created_at, updated_at FROM email_templates "
                + "WHERE project_id = :p").bind("p", projectId).map((rs, ctx) -> row(rs)).list())) {
            if (!isReserved(t.name())) out.put(t.name(), t);
        }
        return new ArrayList<>(out.values());
    }

    /** Creates or replaces the project's template {@code name}. Returns it and whether it was created. */
    public Saved put(String projectId, String name, JsonBody in) {
        checkName(name);
        if (isReserved(name)) {
            throw Problem.invalid("name", "'" + name + "' is the operator notice Herald writes itself when a webhook is disabled; it is not a template "
                    + "and cannot be overridden. Choose another name");
        }
        String subject = in.string("subject", true);
        String text = in.string("text", false);
        String html = in.string("html", false);
        if (text == null && html == null) throw Problem.invalid("text", "give 'text', 'html' or both");
        validate(name, subject, text, html, true);
        long now = clock.millis();
        boolean created = db.writer().execute(h -> {
            int n = h.createUpdate("UPDATE email_templates SET subject = :s, text_body = :t, html_body = :html, updated_at = :now "
                            + "WHERE project_id = :p AND name = :n")
                    .bind("s", subject).bind("t", text).bind("html", html).bind("now", now).bind("p", projectId).bind("n", name).execute();
            if (n > 0) return false;
            h.createUpdate("INSERT INTO email_templates (project_id, name, subject, text_body, html_body, created_at, updated_at) "
                            + "VALUES (:p, :n, :s, :t, :html, :now, :now)")
                    .bind("p", projectId).bind("n", name).bind("s", subject).bind("t", text).bind("html", html).bind("now", now).execute();
            return true;
        });
        return new Saved(get(projectId, name), created);
    }

    public record Saved(EmailTemplate template, boolean created) {}

    /** Removes the project's override (a built-in then applies again); 404 when there is none. */
    public void delete(String projectId, String name) {
        checkName(name);
        int n = db.writer().execute(h -> h.createUpdate("DELETE FROM email_templates WHERE project_id = :p AND name = :n")
                .bind("p", projectId).bind("n", name).execute());
        if (n == 0) {
            throw Problem.notFound(BuiltInTemplates.find(name).isPresent()
                    ? "email template override '" + name + "' (the built-in cannot be deleted)" : "email template '" + name + "'");
        }
    }

    /**
     * Checks the parts: sizes, a one-line subject and, when {@code templates}, that each compiles and (for
     * a built-in's name) reads only variables Herald supplies. Also used for inline content of
     * POST /api/v1/emails, which is a template only when the request has {@code variables}.
     */
    static void validate(String name, String subject, String text, String html, boolean templates) {
        String prefix = "";
        if (subject.isBlank()) throw Problem.invalid(prefix + "subject", "'" + prefix + "subject' must not be empty");
        if (subject.length() > Templates.MAX_SUBJECT) {
            throw Problem.invalid(prefix + "subject", "'" + prefix + "subject' is at most " + Templates.MAX_SUBJECT + " characters");
        }
        try {
            Addresses.refuseControl(subject, "'" + prefix + "subject'");
        } catch (IllegalArgumentException e) {
            throw Problem.invalid(prefix + "subject", e.getMessage() + ": a subject is one line");
        }
        Map<Templates.Part, String> parts = new LinkedHashMap<>();
        parts.put(Templates.Part.SUBJECT, subject);
        if (text != null) parts.put(Templates.Part.TEXT, text);
        if (html != null) parts.put(Templates.Part.HTML_BODY, html);
        Optional<BuiltInTemplates.BuiltIn> builtIn = name == null ? Optional.empty() : BuiltInTemplates.find(name);
        for (Map.Entry<Templates.Part, String> e : parts.entrySet()) {
            String field = prefix + e.getKey().field();
            if (e.getValue().length() > MAX_PART_CHARS) throw Problem.invalid(field, "'" + field + "' is at most " + MAX_PART_CHARS + " characters");
            if (!templates) continue;
            var t = Templates.compile(e.getKey(), e.getValue(), field);
            if (builtIn.isPresent()) {
                for (String v : Templates.variables(t)) {
                    if (!builtIn.get().variables().contains(v)) {
                        throw Problem.invalid(field, "'" + field + "' uses {{" + v + "}}, which Herald does not supply to '" + name
                                + "'; its variables are " + builtIn.get().variables());
                    }
                }
            }
        }
    }

    static Optional<EmailTemplate> find(Handle h, String projectId, String name) {
        if (isReserved(name)) return Optional.empty();
        Optional<EmailTemplate> stored = h.createQuery("SELECT name, subject, text_body, html_body, created_at, updated_at FROM email_templates "
                + "WHERE project_id = :p AND name = :n").bind("p", projectId).bind("n", name).map((rs, ctx) -> row(rs)).findOne();
        return stored.isPresent() ? stored : BuiltInTemplates.find(name).map(BuiltInTemplates.BuiltIn::template);
    }

    /**
     * Names of emails Herald writes itself ({@link AdminNotices#TEMPLATE}): not templates, so they cannot be
     * stored, and a row stored under one before this rule is ignored.
     */
    static boolean isReserved(String name) {
        return AdminNotices.TEMPLATE.equals(name);
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw Problem.invalid("name", "a template name is 1 to 64 of a-z, 0-9 and _, starting with a letter (like user_invited)");
        }
    }

    private static EmailTemplate row(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new EmailTemplate(rs.getString("name"), rs.getString("subject"), rs.getString("text_body"), rs.getString("html_body"), false,
                rs.getLong("created_at"), rs.getLong("updated_at"));
    }
}
