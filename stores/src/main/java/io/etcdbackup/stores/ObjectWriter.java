package io.etcdbackup.stores;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The write side of {@link ObjectStore#create(String, WriteMode)}: an output stream whose
 * {@link #close()} publishes the object and whose {@link #abort()} discards it.
 *
 * <p>Contract for implementations:
 * <ul>
 *   <li>{@code close()} publishes atomically; when it throws, nothing new is visible under the
 *       key (with {@link WriteMode#IF_ABSENT} and an existing object it throws
 *       {@link ObjectAlreadyExistsException}). Calling it again has no effect.</li>
 *   <li>{@code abort()} discards everything written, frees temporary resources (temp files,
 *       multipart uploads, staged blocks) as far as the backend allows, never throws, and may be
 *       called at any time, also after a failed {@code write} or {@code close}.</li>
 *   <li>Writes after {@code close()} or {@code abort()} fail with an {@link IOException}.</li>
 * </ul>
 */
public abstract class ObjectWriter extends OutputStream {

    /** Discards the object being written. Idempotent; never throws. */
    public abstract void abort();

    /** Publishes the object. See the class contract. */
    @Override
    public abstract void close() throws IOException;
}
