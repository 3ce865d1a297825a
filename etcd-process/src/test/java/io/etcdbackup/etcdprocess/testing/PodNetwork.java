package io.etcdbackup.etcdprocess.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * "Pods" on one machine: a network namespace each, with its own address on a bridge and a hosts
 * file that resolves every pod's DNS names (as a headless Service makes them resolve), so that
 * processes run in a pod ({@link Pod#command}) see the addresses and names they would see in
 * Kubernetes. Needs root (CI is). {@link #close()} removes every namespace, link and hosts file
 * it made, whatever state the pods are in.
 *
 * <p>Layout: bridge {@code ebabr<subnet>} with {@code 10.<subnet>.0.1/24} on the host; pod k gets
 * {@code 10.<subnet>.0.(k+2)} on its {@code eth0} and a default route via the host, which reaches
 * it (and is reached from it) on the bridge address. {@code ip netns exec} bind-mounts
 * {@code /etc/netns/<namespace>/hosts} over {@code /etc/hosts}.
 */
public final class PodNetwork implements AutoCloseable {

    /**
     * One pod's network.
     *
     * @param namespace the network namespace
     * @param address   its IPv4 address
     * @param hostNames the DNS names that resolve to it in every pod
     */
    public record Pod(String namespace, String address, List<String> hostNames) {

        /** {@code command} run inside the pod's namespace. */
        public List<String> command(List<String> command) {
            List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
            wrapped.addAll(command);
            return wrapped;
        }
    }

    private final int subnet;
    private final String bridge;
    private final List<Pod> pods = new ArrayList<>();

    private PodNetwork(int subnet) {
        this.subnet = subnet;
        this.bridge = "ebabr" + subnet;
    }

    /**
     * A bridge for pods on {@code 10.<subnet>.0.0/24}; a leftover of an earlier run with the same
     * subnet is removed first.
     *
     * @param subnet 1..254, distinct for networks that exist at the same time
     */
    public static PodNetwork create(int subnet) throws IOException {
        if (subnet < 1 || subnet > 254) {
            throw new IllegalArgumentException("subnet must be 1..254, got " + subnet);
        }
        PodNetwork network = new PodNetwork(subnet);
        network.removeLeftovers();
        network.run("ip", "link", "add", network.bridge, "type", "bridge");
        network.run("ip", "addr", "add", network.hostAddress() + "/24", "dev", network.bridge);
        network.run("ip", "link", "set", network.bridge, "up");
        return network;
    }

    /** The host's address on the bridge: how pods reach servers on the host. */
    public String hostAddress() {
        return "10." + subnet + ".0.1";
    }

    /** Adds a pod whose {@code hostNames} resolve to its new address in every pod (after {@link #writeHosts()}). */
    public Pod addPod(List<String> hostNames) throws IOException {
        int index = pods.size();
        String namespace = "eba" + subnet + "p" + index;
        String address = "10." + subnet + ".0." + (index + 2);
        String hostSide = "eba" + subnet + "v" + index;
        String podSide = "eba" + subnet + "c" + index;
        run("ip", "netns", "add", namespace);
        Pod pod = new Pod(namespace, address, List.copyOf(hostNames));
        pods.add(pod);
        run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", podSide);
        run("ip", "link", "set", podSide, "netns", namespace);
        run("ip", "link", "set", hostSide, "master", bridge);
        run("ip", "link", "set", hostSide, "up");
        run("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up");
        run("ip", "netns", "exec", namespace, "ip", "link", "set", podSide, "name", "eth0");
        run("ip", "netns", "exec", namespace, "ip", "addr", "add", address + "/24", "dev", "eth0");
        run("ip", "netns", "exec", namespace, "ip", "link", "set", "eth0", "up");
        run("ip", "netns", "exec", namespace, "ip", "route", "add", "default", "via", hostAddress());
        return pod;
    }

    /** Writes every pod's hosts file: localhost, and every pod's names at its address. */
    public void writeHosts() throws IOException {
        StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n::1 localhost\n");
        for (Pod pod : pods) {
            hosts.append(pod.address()).append(' ').append(String.join(" ", pod.hostNames())).append('\n');
        }
        for (Pod pod : pods) {
            Path dir = Files.createDirectories(Path.of("/etc/netns", pod.namespace()));
            Files.writeString(dir.resolve("hosts"), hosts, StandardCharsets.UTF_8);
        }
    }

    public List<Pod> pods() {
        return List.copyOf(pods);
    }

    @Override
    public void close() {
        removeLeftovers();
    }

    /** Removes this subnet's namespaces, links and hosts files (best effort: each step on its own). */
    private void removeLeftovers() {
        for (int index = 0; index < 64; index++) {
            String namespace = "eba" + subnet + "p" + index;
            if (Files.exists(Path.of("/run/netns", namespace))) {
                quietly("ip", "netns", "del", namespace);
            }
            quietly("ip", "link", "del", "eba" + subnet + "v" + index);
            deleteTree(Path.of("/etc/netns", namespace));
        }
        quietly("ip", "link", "del", bridge);
    }

    private void run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static void quietly(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // best effort: nothing to remove
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // best effort
        }
    }
}
