package dev.herald.mail;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap inbound mail may hold at once, over SMTP and the HTTP inbox together. A message is charged
 * {@link #COPIES} times its size while it is read, parsed and stored (the raw bytes, the decoded parts,
 * the document and its JSON); when the budget is spent, a new message is deferred (SMTP {@code 452}, the
 * inbox {@code 503} with Retry-After) and its sender retries, instead of the process running out of
 * memory. One message is always let through on an empty budget, so the size limit, not the budget,
 * decides the largest message.
 */
public final class MailMemory {
    /** How many times its size a message is charged. */
    public static final int COPIES = 4;
    private final long budget;
    private final AtomicLong used = new AtomicLong();

    public MailMemory(long budgetBytes) {
        this.budget = budgetBytes;
    }

    /** Half the heap this JVM may grow to. */
    public static MailMemory ofHeap() {
        return new MailMemory(Runtime.getRuntime().maxMemory() / 2);
    }

    /** Charges {@code bytes} of message ({@link #COPIES} times); false, and nothing charged, when that would pass the budget. */
    public boolean take(long bytes) {
        long n = bytes * COPIES;
        while (true) {
            long u = used.get();
            if (u > 0 && u + n > budget) return false;
            if (used.compareAndSet(u, u + n)) return true;
        }
    }

    /** Returns what {@link #take} charged for {@code bytes}. */
    public void give(long bytes) {
        used.addAndGet(-bytes * COPIES);
    }

    public long budget() {
        return budget;
    }
}
