package dev.herald.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on 127.0.0.1 to another address, which a test can cut (every connection closed, new ones
 * refused) and restore on the same port: a database that goes away and comes back.
 */
public final class TcpProxy implements AutoCloseable {
    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;

    public TcpProxy(String targetHost, int targetPort) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.port = HeraldProcess.freePort();
        restore();
    }

    public int port() {
        return port;
    }

    /**
     * Starts accepting again on the same port. Right after {@link #cut} the port may still be held: a
     * listening socket closed while a thread is blocked in its accept is released only when that thread
     * wakes. The bind is tried again until it succeeds ({@link Await}).
     */
    public synchronized void restore() {
        if (server != null) return;
        ServerSocket s = Await.until("port " + port + " free to listen on again", this::listen, Objects::nonNull);
        server = s;
        Thread.ofVirtual().start(() -> accept(s));
    }

    /** A socket listening on this proxy's port, or null while the port is still held. */
    private ServerSocket listen() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            try {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return s;
            } catch (BindException e) {
                s.close();
                return null;
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Closes the listener and every relayed connection: clients see resets, and new connections are refused. */
    public synchronized void cut() {
        ServerSocket s = server;
        server = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        for (Socket c : open) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        open.clear();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                open.add(client);
                open.add(upstream);
                if (server != s) {
                    // cut() ran while this connection was being set up: it must not survive the cut
                    client.close();
                    upstream.close();
                    continue;
                }
                Thread.ofVirtual().start(() -> pump(client, upstream));
                Thread.ofVirtual().start(() -> pump(upstream, client));
            } catch (IOException e) {
                // closed by cut(), or the target refused
            }
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // either side closed
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // closing
            }
            open.remove(from);
            open.remove(to);
        }
    }

    @Override
    public void close() {
        cut();
    }
}
