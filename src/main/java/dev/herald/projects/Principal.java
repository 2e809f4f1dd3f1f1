package dev.herald.projects;

/** The caller behind an API key: its project and role. */
public record Principal(String projectId, String keyId, Role role) {}
