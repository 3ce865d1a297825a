package io.etcdbackup.bench;

import static io.etcdbackup.bench.Harness.MB;
import static io.etcdbackup.bench.Harness.MIB;

import io.etcdbackup.snapshot.format.Codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Rows 5: ratio and speed of zstd 1/3/9 beside gzip 6 on etcdctl's snapshot file, one thread. */
final class CompressionScenario {

    private final Table table;

    CompressionScenario(Table table) {
        this.table = table;
    }

    void run(Path snapshotFile) throws IOException {
        Harness.step("5. compression of the snapshot file: zstd 1/3/9 vs gzip 6 (io.etcdbackup.snapshot.format.Codec)");
        long size = Files.size(snapshotFile);
        double[] gzip = codecRun(snapshotFile, Codec.GZIP, 6);
        for (int level : new int[] {1, 3, 9}) {
            double[] z = codecRun(snapshotFile, Codec.ZSTD, level);
            String setup = String.format(Locale.ROOT, "%.0f MiB snapshot", size / (double) MIB);
            table.add(new Table.Row("5 zstd-" + level + " compression ratio", setup, z[0], ":1", "gzip-6", gzip[0], ":1", ""));
            table.add(new Table.Row("5 zstd-" + level + " compression speed", setup, z[1], "MB/s", "gzip-6", gzip[1], "MB/s",
                    "one thread, input from page cache"));
        }
    }

    /** Returns {ratio, MB/s of input}. */
    private static double[] codecRun(Path file, Codec codec, int level) throws IOException {
        CountingSink sink = new CountingSink();
        long t = System.nanoTime();
        try (InputStream in = Files.newInputStream(file); OutputStream out = codec.compress(sink, level)) {
            in.transferTo(out);
        }
        double seconds = Harness.secondsSince(t);
        long size = Files.size(file);
        System.out.printf(Locale.ROOT, "  %s-%d: %d -> %d bytes in %.2f s%n", codec.id(), level, size, sink.count, seconds);
        return new double[] {size / (double) sink.count, size / MB / seconds};
    }

    private static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
