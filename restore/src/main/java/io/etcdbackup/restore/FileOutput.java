package io.etcdbackup.restore;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A new local file to write a download into, whose failures name the file: the system's
 * "No space left on device" names nothing, and a restore writes into a scratch dir the operator
 * chose, so the error must say which.
 */
public final class FileOutput extends FilterOutputStream {

    private final Path file;

    private FileOutput(Path file, OutputStream out) {
        super(out);
        this.file = file;
    }

    /** Creates {@code file} (which must not exist) for writing. */
    public static OutputStream create(Path file) throws IOException {
        return new FileOutput(file, Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (IOException e) {
            throw named(e);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            throw named(e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } catch (IOException e) {
            throw named(e);
        }
    }

    private IOException named(IOException e) {
        return new IOException("writing " + file + " failed: " + e.getMessage(), e);
    }
}
