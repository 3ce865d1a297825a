package io.etcdbackup.stores.multipart;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread pools that upload parts (multipart parts, staged blocks, segments): cached, so idle
 * threads go away, and daemon threads, so an upload stuck on the network never keeps the JVM
 * alive after the agent has shut down. Threads are named {@code <prefix><n>}.
 */
public final class UploadThreads {

    private UploadThreads() {
    }

    /** A new pool whose threads are named {@code namePrefix} followed by a running number. */
    public static ExecutorService newPool(String namePrefix) {
        AtomicInteger count = new AtomicInteger();
        return Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, namePrefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }
}
