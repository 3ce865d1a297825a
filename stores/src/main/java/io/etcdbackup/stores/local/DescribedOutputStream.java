package io.etcdbackup.stores.local;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An output stream whose failures say what was being written, and where: the system's own
 * message for a full disk ("No space left on device") names nothing.
 */
public final class DescribedOutputStream extends FilterOutputStream {

    private final String what;

    /**
     * @param out  the stream written to
     * @param what what writing to it is, e.g. {@code writing /scratch/full.db}; a failure reads
     *             {@code <what> failed: <the cause's message>}
     */
    public DescribedOutputStream(OutputStream out, String what) {
        super(out);
        this.what = what;
    }

    /** Creates {@code file}, which must not exist, for writing. */
    public static OutputStream newFile(Path file) throws IOException {
        return new DescribedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                "writing " + file);
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw described(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw described(e);
        }
    }

    @Override
    public void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            throw described(e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } catch (IOException e) {
            throw described(e);
        }
    }

    /** {@code e} with what was being written in front of its message. */
    public IOException described(IOException e) {
        return new IOException(what + " failed: " + e.getMessage(), e);
    }
}
