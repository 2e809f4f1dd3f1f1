package dev.herald.email;

/**
 * A project's email template: a subject and a text and/or html body, each a {@code {{variable}}}
 * template. {@code builtIn} is true for Herald's own default (no project override stored); then the
 * times are null.
 */
public record EmailTemplate(String name, String subject, String text, String html, boolean builtIn, Long createdAt, Long updatedAt) {}
