package dev.herald.archfixture.layers.webhooks;

/** Fixture for ArchitectureTest: a feature class that the fixture's delivery package wrongly imports. */
public record Hook(String url) {}
