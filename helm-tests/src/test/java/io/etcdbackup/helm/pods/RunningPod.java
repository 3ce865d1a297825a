package io.etcdbackup.helm.pods;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One start of a pod: its init containers run one after the other in the background; when each
 * ended with 0, the containers start. Each container's output goes to {@code <name>.log} in the
 * pod's log folder (appended across starts). {@link #stop()} ends it as the kubelet deletes a pod:
 * SIGTERM, then SIGKILL after the grace period.
 */
final class RunningPod {

    private static final long GRACE_SECONDS = 30;

    private final String name;
    private final Path logs;
    private final List<Process> processes = new ArrayList<>();
    private final CompletableFuture<Map<String, String>> initialized = new CompletableFuture<>();
    private volatile boolean stopping;

    private RunningPod(String name, Path logs) {
        this.name = name;
        this.logs = logs;
    }

    static RunningPod start(String name, Path logs, List<Kubelet.ContainerCommand> inits, List<Kubelet.ContainerCommand> containers) {
        RunningPod pod = new RunningPod(name, logs);
        Thread thread = new Thread(() -> pod.run(inits, containers), "pod-" + name);
        thread.setDaemon(true);
        thread.start();
        return pod;
    }

    String name() {
        return name;
    }

    /**
     * Waits for the init containers to end.
     *
     * @return each init container's output in this start, by name
     * @throws AssertionError when one failed (with its exit code and output) or did not end in time
     */
    Map<String, String> awaitInitialized(long timeoutSeconds) throws Exception {
        try {
            return initialized.get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("pod " + name + ": the init containers did not end within " + timeoutSeconds + " s; logs in " + logs);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("pod " + name + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** The output of the container {@code container} so far (every start of the pod). */
    String log(String container) throws IOException {
        Path file = logs.resolve(container + ".log");
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    /** SIGTERM to every container, then SIGKILL to those still running after the grace period; returns when all ended. */
    void stop() throws InterruptedException {
        stopping = true;
        List<Process> running;
        synchronized (processes) {
            running = List.copyOf(processes);
        }
        running.forEach(Process::destroy);
        for (Process process : running) {
            if (!process.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private void run(List<Kubelet.ContainerCommand> inits, List<Kubelet.ContainerCommand> containers) {
        try {
            Map<String, String> outputs = new LinkedHashMap<>();
            for (Kubelet.ContainerCommand init : inits) {
                Path file = logs.resolve(init.name() + ".log");
                long before = Files.exists(file) ? Files.size(file) : 0;
                int exit = launch(init).waitFor();
                byte[] all = Files.readAllBytes(file);
                String output = new String(all, (int) before, all.length - (int) before, StandardCharsets.UTF_8);
                if (exit != 0) {
                    throw new IllegalStateException("init container " + init.name() + " exited with " + exit + ":\n" + output);
                }
                outputs.put(init.name(), output);
            }
            for (Kubelet.ContainerCommand container : containers) {
                if (!stopping) {
                    launch(container);
                }
            }
            initialized.complete(outputs);
        } catch (Exception | AssertionError e) {
            initialized.completeExceptionally(e);
        }
    }

    private Process launch(Kubelet.ContainerCommand container) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(container.command()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(container.name() + ".log").toFile()));
        builder.environment().clear();
        builder.environment().putAll(container.env());
        synchronized (processes) {
            Process process = builder.start();
            processes.add(process);
            return process;
        }
    }
}
