package dev.herald.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Herald as a separate OS process (same classpath as the tests), so a test can kill it with SIGKILL. */
public final class HeraldProcess implements AutoCloseable {
    private static final java.util.regex.Pattern LISTENING = java.util.regex.Pattern.compile(" on http://[^ ]+:(\\d+) \\(");
    private static final java.util.regex.Pattern SMTP = java.util.regex.Pattern.compile("SMTP listener on [^ ]+:(\\d+) ");
    private final Process process;
    private final int port;
    private final Path log;
    private final long logFrom;

    private HeraldProcess(Process process, int port, Path log, long logFrom) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.logFrom = logFrom;
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code herald <args>} to completion and returns its standard output. */
    public static String run(Map<String, String> env, Path log, String... args) {
        try {
            Process p = builder(env, log, args).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IllegalStateException("herald " + String.join(" ", args) + " exited " + p.exitValue());
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What a finished {@code herald} command did: its exit code, standard output and standard error. */
    public record Result(int exit, String out, String err) {}

    /** Runs {@code herald <args>} to completion (killed and failed after 60 s) and returns what it did, whatever its exit code. */
    public static Result exec(Map<String, String> env, String... args) {
        try {
            Path err = java.nio.file.Files.createTempFile("herald-err", ".log");
            try {
                Process p = builder(env, err, args).start();
                java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return p.getInputStream().readAllBytes();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("herald " + String.join(" ", args) + " still running after 60 s; stderr: " + java.nio.file.Files.readString(err));
                }
                return new Result(p.exitValue(), new String(out.join()), java.nio.file.Files.readString(err));
            } finally {
                java.nio.file.Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts {@code herald serve} and waits for /healthz. */
    public static HeraldProcess serve(Map<String, String> env, Path log, int port) {
        return start(env, log, port, "serve", "--port", Integer.toString(port), "--host", "127.0.0.1");
    }

    /** Starts {@code herald serve --api-only} and waits for /healthz. */
    public static HeraldProcess apiOnly(Map<String, String> env, Path log, int port) {
        return start(env, log, port, "serve", "--api-only", "--port", Integer.toString(port), "--host", "127.0.0.1");
    }

    /** Starts {@code herald worker notifications}, answering health checks on {@code port}, and waits for /healthz. */
    public static HeraldProcess worker(Map<String, String> env, Path log, int port) {
        return start(env, log, port, "worker", "notifications", "--port", Integer.toString(port), "--host", "127.0.0.1");
    }

    private static HeraldProcess start(Map<String, String> env, Path log, int port, String... args) {
        try {
            ProcessBuilder pb = builder(env, log, args);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            long from = java.nio.file.Files.exists(log) ? java.nio.file.Files.size(log) : 0;
            Process p = pb.start();
            // Port 0: the server picks a free port and logs it (no window in which another process can take a port chosen beforehand).
            int bound = port != 0 ? port : logged(p, log, from, LISTENING);
            HeraldProcess h = new HeraldProcess(p, bound, log, from);
            h.awaitHealthy(Duration.ofSeconds(60));
            return h;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ProcessBuilder builder(Map<String, String> env, Path log, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m"));
        if (Runtime.version().feature() >= 24) cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.herald.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("HERALD_MAIL_SMTP_PORT", "0");
        pb.environment().put("HERALD_MAIL_SMTP_HOST", "127.0.0.1");
        pb.environment().putAll(env);
        if (!env.containsKey("HERALD_DATABASE_URL") && env.containsKey("HERALD_DATA_DIR") && TestDatabases.postgres()) {
            pb.environment().put("HERALD_DATABASE_URL", TestDatabases.urlFor(Path.of(env.get("HERALD_DATA_DIR"))));
        }
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return pb;
    }

    private void awaitHealthy(Duration timeout) {
        HttpClient c = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("herald exited with " + process.exitValue() + " before becoming healthy");
            try {
                HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (IOException ignored) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("herald did not become healthy within " + timeout);
    }

    public int port() {
        return port;
    }

    /** The port the SMTP listener bound, read from its log line (the process must log at INFO). */
    public int smtpPort() {
        try {
            return logged(process, log, logFrom, SMTP);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for {@code line} in what the process wrote to {@code log} after {@code from}, and returns its first group as a port. */
    private static int logged(Process p, Path log, long from, java.util.regex.Pattern line) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            byte[] all = java.nio.file.Files.readAllBytes(log);
            String fresh = new String(all, (int) Math.min(from, all.length), (int) (all.length - Math.min(from, all.length)), java.nio.charset.StandardCharsets.UTF_8);
            java.util.regex.Matcher m = line.matcher(fresh);
            if (m.find()) return Integer.parseInt(m.group(1));
            if (!p.isAlive()) throw new IllegalStateException("herald exited with " + p.exitValue() + " before logging " + line + ": " + fresh);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("herald did not log " + line + " within 60 s");
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGSTOP: the process keeps its state and connections but runs nothing until {@link #resume()}. */
    public void suspend() {
        signal("STOP");
    }

    /** SIGCONT after {@link #suspend()}. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process p = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (p.waitFor() != 0) throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + p.exitValue());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL: no shutdown hook, no flush, exactly like a crash. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
    }
}
