package dev.herald.email;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Templates Herald ships. A project may override one (branding) with {@code PUT
 * /api/v1/email-templates/{name}}; an override may use only the variables Herald supplies for it.
 * {@code user_invited} is the source document's {@code email_templates.user_invited_subject},
 * {@code _text} and {@code _html}.
 */
public final class BuiltInTemplates {
    private BuiltInTemplates() {}

    /** A built-in template and the variables a caller supplies to it. */
    public record BuiltIn(EmailTemplate template, List<String> variables) {}

    public static final BuiltIn USER_INVITED = new BuiltIn(new EmailTemplate("user_invited",
            "You're invited to join {{organization_name}} on {{app_name}}",
            """
            Hello,

            You have been invited to join {{organization_name}} on {{app_name}} as {{role}}.

            Accept the invitation:
            {{accept_url}}

            This invitation was sent to {{email}}. If you were not expecting it, you can ignore this email.
            """,
            """
            <!DOCTYPE html>
            <html lang="en">
            <body style="margin:0;padding:24px;font-family:Arial,Helvetica,sans-serif;color:#1f2328;">
            {{#logo_url}}<p><img src="{{logo_url}}" alt="{{app_name}}" height="40"></p>{{/logo_url}}
            <p>Hello,</p>
            <p>You have been invited to join <strong>{{organization_name}}</strong> on {{app_name}} as {{role}}.</p>
            <p><a href="{{accept_url}}" style="display:inline-block;padding:10px 16px;background:#0b57d0;color:#ffffff;text-decoration:none;border-radius:4px;">Accept the invitation</a></p>
            <p style="color:#59636e;font-size:12px;">This invitation was sent to {{email}}. If you were not expecting it, you can ignore this email.</p>
            </body>
            </html>
            """, true, null, null),
            List.of("app_name", "logo_url", "accept_url", "email", "role", "organization_name"));

    private static final Map<String, BuiltIn> ALL = Map.of(USER_INVITED.template().name(), USER_INVITED);

    public static Optional<BuiltIn> find(String name) {
        return Optional.ofNullable(ALL.get(name));
    }

    public static List<BuiltIn> all() {
        return List.of(USER_INVITED);
    }
}
