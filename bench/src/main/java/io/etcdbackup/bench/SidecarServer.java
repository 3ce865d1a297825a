package io.etcdbackup.bench;

import io.etcdbackup.etcdprocess.testing.MemoryCgroup;
import io.etcdbackup.stores.ObjectStore;
import io.etcdbackup.stores.ObjectStores;
import io.etcdbackup.stores.StoreContext;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's {@code server} run by a scenario on a port of its own, without scheduled full
 * snapshots: it takes one on start into an empty store, then only those asked of it over HTTP.
 */
final class SidecarServer {

    /**
     * How the server is run beyond its store and etcd.
     *
     * @param jvmOptions options before {@code -jar}
     * @param env        added to its environment (credentials)
     * @param extraArgs  more {@code server} arguments
     * @param cgroup     the memory cgroup it runs in, if any
     */
    record Launch(List<String> jvmOptions, Map<String, String> env, List<String> extraArgs, Optional<MemoryCgroup> cgroup) {
        static final Launch PLAIN = new Launch(List.of(), Map.of(), List.of(), Optional.empty());
    }

    /** One timed snapshot: wall seconds and CPU seconds of the server. */
    record Run(double seconds, double cpuSeconds) {
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Child child;
    private final int port;
    private final String storeUrl;
    private final StoreContext storeContext;

    private SidecarServer(Child child, int port, String storeUrl, StoreContext storeContext) {
        this.child = child;
        this.port = port;
        this.storeUrl = storeUrl;
        this.storeContext = storeContext;
    }

    static SidecarServer start(Harness harness, String endpoint, String storeUrl, Launch launch, String log) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> args = new ArrayList<>(List.of("server", "--server-port", Integer.toString(port), "--endpoints", endpoint,
                "--store", storeUrl, "--full-schedule", ""));
        args.addAll(launch.extraArgs());
        List<String> command = harness.agentCommand(launch.jvmOptions(), args);
        Child child = Child.start(launch.cgroup().map(g -> g.wrap(command)).orElse(command), launch.env(),
                harness.work().resolve("logs/" + log));
        return new SidecarServer(child, port, storeUrl, new StoreContext(launch.env()));
    }

    Child child() {
        return child;
    }

    int port() {
        return port;
    }

    /** Waits for the snapshot a server takes on start into an empty store; seconds waited. */
    double awaitStartSnapshot() throws Exception {
        long start = System.nanoTime();
        long deadline = start + Duration.ofMinutes(10).toNanos();
        try (ObjectStore store = ObjectStores.open(storeUrl, storeContext)) {
            while (StoreScan.count(store, "/full/") == 0) {
                if (System.nanoTime() > deadline || !child.isAlive()) {
                    throw new IllegalStateException("the server published no full snapshot on start\n" + child.tailOfStderr());
                }
                Thread.sleep(20);
            }
        }
        return Harness.secondsSince(start);
    }

    /** Asks for a full snapshot ({@code POST /snapshot/full}) and waits for the answer; fails unless it is 200. */
    Run snapshot() throws Exception {
        double cpuBefore = child.cpuSeconds();
        long start = System.nanoTime();
        URI uri = URI.create("http://127.0.0.1:" + port + "/snapshot/full");
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofMinutes(20)).build(), HttpResponse.BodyHandlers.ofString());
        double seconds = Harness.secondsSince(start);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("POST " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return new Run(seconds, child.cpuSeconds() - cpuBefore);
    }

    /** SIGTERM, and SIGKILL after a minute; what the child did (a child already dead is only awaited). */
    Child.Result stop() throws Exception {
        return child.isAlive() ? child.stop(Duration.ofSeconds(60)) : child.await(Duration.ofSeconds(5));
    }
}
