package dev.herald.signing;

import dev.herald.store.Database;
import dev.herald.store.StoreException;

/**
 * Makes sure every process sharing a database seals and opens secrets with the same master key. The
 * first start stores a known value sealed with its key; every later start (on any node) must be able to
 * open it, or it stops with a clear error instead of failing every signature and credential it touches.
 */
public final class KeyCheck {
    private static final String NAME = "key_check";
    private static final String CONTEXT = "herald-key-check";
    private static final String VALUE = "herald";

    private KeyCheck() {}

    public static void verify(Database db, SecretBox box) {
        String sealed = box.seal(VALUE, CONTEXT);
        String stored = db.writer().execute(h -> {
            h.createUpdate("INSERT INTO herald_meta (name, value) VALUES (:n, :v) ON CONFLICT (name) DO NOTHING")
                    .bind("n", NAME).bind("v", sealed).execute();
            return h.createQuery("SELECT value FROM herald_meta WHERE name = :n").bind("n", NAME).mapTo(String.class).one();
        });
        try {
            if (VALUE.equals(box.open(stored, CONTEXT))) return;
        } catch (IllegalStateException e) {
            // fall through
        }
        throw new StoreException("the master key does not match the one this database's secrets are sealed with: every node must use "
                + "the same HERALD_MASTER_KEY (or, on one machine, the same master.key file in its data dir)", null);
    }
}
