package dev.herald.webhooks;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/**
 * Each project's enabled subscriptions (ids and event patterns), cached for fan-out, which runs on the
 * writer for every event. Every change to a webhook invalidates the cache inside the same writer job that
 * makes the change, so the next event in the same batch already reloads (and sees the change).
 *
 * <p>Hazard: a change made outside this process (another node) is not seen until the entry expires;
 * the short TTL bounds that window.
 */
public final class Subscriptions {
    private static final long TTL_NANOS = 2_000_000_000L;

    private record Entry(List<WebhookRepository.Subscription> list, long loadedAt) {}

    private final Map<String, Entry> byProject = new ConcurrentHashMap<>();

    /** Call on the writer, inside the transaction. */
    public List<WebhookRepository.Subscription> enabled(Handle h, String projectId) {
        long now = System.nanoTime();
        Entry e = byProject.get(projectId);
        if (e != null && now - e.loadedAt() < TTL_NANOS) return e.list();
        List<WebhookRepository.Subscription> list = WebhookRepository.enabledSubscriptions(h, projectId);
        if (byProject.size() > 10_000) byProject.clear();
        byProject.put(projectId, new Entry(list, now));
        return list;
    }

    public void invalidate(String projectId) {
        byProject.remove(projectId);
    }

    public void invalidateAll() {
        byProject.clear();
    }
}
