package dev.herald.archfixture.cycle.a;

import dev.herald.archfixture.cycle.b.Beta;

/** Fixture for ArchitectureTest: half of a deliberate package cycle (a -> b -> a). Never used by Herald. */
public final class Alpha {
    private Alpha() {}

    public static int next(int n) {
        return n <= 0 ? 0 : Beta.next(n - 1);
    }
}
