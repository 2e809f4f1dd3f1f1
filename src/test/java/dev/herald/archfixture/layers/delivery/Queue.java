package dev.herald.archfixture.layers.delivery;

import dev.herald.archfixture.layers.webhooks.Hook;

/** Fixture for ArchitectureTest: the queue core importing a feature, which the rules forbid. */
public final class Queue {
    private Queue() {}

    public static String target(Hook h) {
        return h.url();
    }
}
