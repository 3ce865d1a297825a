package io.etcdbackup.agent.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 proxy on loopback in front of a real server (S3Proxy), that misbehaves as a store
 * seen through a bad network does. Each request gets one connection to the server and is relayed
 * byte for byte but for its {@code Connection} header (made {@code close}, so a connection carries
 * one request and framing never has to be parsed; signatures stay valid, as that header is never
 * signed). Per request, drawn from a seeded random: a 503 SlowDown without reaching the server, a
 * latency spike before it is forwarded, or a dropped connection halfway through the server's
 * answer (the server did the work, the client never hears it). While {@link #outage(boolean)} is
 * on, every connection is closed at once. Counts what it injected.
 */
final class FaultyHttpProxy implements AutoCloseable {

    /** How often each fault is drawn: fractions of requests, and the spike's length. */
    record Faults(double serverErrors, double latencySpikes, long spikeMillis, double drops) {
        static final Faults NONE = new Faults(0, 0, 0, 0);
    }

    private final ServerSocket listener;
    private final int upstreamPort;
    private final Random random;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-proxy");
        t.setDaemon(true);
        return t;
    });
    private volatile Faults faults = Faults.NONE;
    private volatile boolean outage;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong serverErrors = new AtomicLong();
    private final AtomicLong spikes = new AtomicLong();
    private final AtomicLong drops = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    FaultyHttpProxy(int upstreamPort, long seed) throws IOException {
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        this.upstreamPort = upstreamPort;
        this.random = new Random(seed);
        Thread acceptor = new Thread(this::accept, "faulty-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    void faults(Faults faults) {
        this.faults = faults;
    }

    /** On: every connection is closed at once, as a store that is down. */
    void outage(boolean on) {
        this.outage = on;
    }

    /** Requests seen (connections refused during an outage are not requests) and faults injected. */
    record Injected(long requests, long serverErrors, long spikes, long drops, long refused) {
        @Override
        public String toString() {
            return "requests=" + requests + " 5xx=" + serverErrors + " spikes=" + spikes + " drops=" + drops + " refused=" + refused;
        }
    }

    /** What was injected so far. */
    Injected injected() {
        return new Injected(requests.get(), serverErrors.get(), spikes.get(), drops.get(), refused.get());
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                connections.execute(() -> serve(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            if (outage) {
                refused.incrementAndGet();
                return;
            }
            InputStream in = new BufferedInputStream(client.getInputStream());
            byte[] head = readHead(in);
            if (head == null) {
                return;
            }
            requests.incrementAndGet();
            Faults now = faults;
            double draw;
            synchronized (random) {
                draw = random.nextDouble();
            }
            if (draw < now.serverErrors()) {
                serverErrors.incrementAndGet();
                byte[] body = "<Error><Code>SlowDown</Code><Message>injected by FaultyHttpProxy</Message></Error>".getBytes(StandardCharsets.UTF_8);
                client.getOutputStream().write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " + body.length
                        + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                client.getOutputStream().write(body);
                client.getOutputStream().flush();
                return;
            }
            draw -= now.serverErrors();
            if (draw < now.latencySpikes()) {
                spikes.incrementAndGet();
                Thread.sleep(now.spikeMillis());
            }
            draw -= now.latencySpikes();
            boolean drop = draw >= 0 && draw < now.drops();
            relay(client, in, head, drop);
        } catch (IOException | InterruptedException e) {
            // the client or the server went away; the client sees a failed request and retries
        }
    }

    private void relay(Socket client, InputStream clientIn, byte[] head, boolean drop) throws IOException, InterruptedException {
        try (Socket server = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            OutputStream toServer = server.getOutputStream();
            toServer.write(head);
            toServer.flush();
            Thread body = new Thread(() -> pump(clientIn, toServer, Long.MAX_VALUE), "faulty-proxy-body");
            body.setDaemon(true);
            body.start();
            if (drop) {
                drops.incrementAndGet();
                pump(server.getInputStream(), client.getOutputStream(), 64); // a few bytes of the answer, then nothing
                return;
            }
            pump(server.getInputStream(), client.getOutputStream(), Long.MAX_VALUE);
        }
    }

    /** Copies until end of stream, a failure, or {@code limit} bytes. */
    private static void pump(InputStream from, OutputStream to, long limit) {
        byte[] buffer = new byte[64 * 1024];
        long copied = 0;
        try {
            int n;
            while (copied < limit && (n = from.read(buffer, 0, (int) Math.min(buffer.length, limit - copied))) > 0) {
                to.write(buffer, 0, n);
                to.flush();
                copied += n;
            }
        } catch (IOException closed) {
            // one side closed: the relay of this request is over
        }
    }

    /** The request line and headers with {@code Connection: close}, or null at end of stream. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            raw.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
            if (raw.size() > 64 * 1024) {
                throw new IOException("request head over 64 KiB");
            }
        }
        if (matched < 4) {
            return null;
        }
        StringBuilder head = new StringBuilder();
        for (String line : raw.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
            String name = line.contains(":") ? line.substring(0, line.indexOf(':')).trim() : "";
            if (!line.isEmpty() && !name.equalsIgnoreCase("connection") && !name.equalsIgnoreCase("keep-alive")) {
                head.append(line).append("\r\n");
            }
        }
        head.append("Connection: close\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        listener.close();
        connections.shutdownNow();
    }
}
