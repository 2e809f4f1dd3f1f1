package dev.herald.archfixture.cycle.b;

import dev.herald.archfixture.cycle.a.Alpha;

/** Fixture for ArchitectureTest: the other half of the deliberate package cycle (b -> a -> b). */
public final class Beta {
    private Beta() {}

    public static int next(int n) {
        return n <= 0 ? 0 : Alpha.next(n - 1);
    }
}
