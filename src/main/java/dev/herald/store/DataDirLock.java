package dev.herald.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The exclusive lock a Herald server holds on its SQLite data directory for as long as it runs, so a
 * second server on the same directory refuses to start instead of running a second dispatcher on the
 * same queue (SQLite has one worker by design). The lock is an OS file lock on {@code herald.lock}
 * ({@link FileChannel#tryLock}), which the OS releases when the process ends, however it ends; the
 * file itself says who holds it (pid and start time) so the refusal can name the holder.
 *
 * <p>Admin commands ({@code ./herald admin ...}) do not take it: they only read and write rows, which
 * SQLite serializes, and must keep working beside a running server. PostgreSQL nodes share a database by
 * design and take no lock. Hazard: the file is never deleted, not even on close; deleting it while
 * another process waits to lock it would let two processes hold locks on two different files.
 */
public final class DataDirLock implements AutoCloseable {
    public static final String FILE = "herald.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code dataDir} (created if missing) for this process, or throws naming the process that holds it. */
    public static DataDirLock acquire(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        FileChannel channel = null;
        try {
            Files.createDirectories(dataDir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this very process
            }
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                throw new StoreException("the data directory " + dataDir + " is in use by another Herald server (" + holder
                        + "); stop it first, or give this server its own --data-dir", null);
            }
            ProcessHandle self = ProcessHandle.current();
            String started = self.info().startInstant().map(Instant::toString).orElse("unknown");
            byte[] who = ("pid=" + self.pid() + "\nstarted=" + started + "\n").getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(who), 0);
            channel.force(false);
            return new DataDirLock(channel, lock);
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw new StoreException("cannot lock the data directory " + dataDir + " (" + file + "): " + e.getMessage(), e);
        }
    }

    /** "pid 1234, started 2026-...Z" from the holder's lock file, or what is known of it. */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(256);
        channel.read(buf, 0);
        String pid = null;
        String started = null;
        for (String line : new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("pid=")) pid = line.substring(4).trim();
            if (line.startsWith("started=")) started = line.substring(8).trim();
        }
        if (pid == null || pid.isEmpty() || !pid.chars().allMatch(Character::isDigit)) return "pid unknown: it is still starting";
        return "pid " + pid + (started == null || started.isEmpty() ? "" : ", started " + started);
    }

    /** Releases the lock (the file stays). */
    @Override
    public void close() {
        try {
            if (lock.isValid()) lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the OS drops the lock with the process anyway
        }
    }
}
