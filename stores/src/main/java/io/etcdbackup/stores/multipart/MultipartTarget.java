package io.etcdbackup.stores.multipart;

import java.io.IOException;
import java.util.List;

/**
 * The provider-specific half of a streaming upload: the few backend calls that
 * {@link MultipartObjectWriter} drives for one object. One target serves one object (one writer);
 * it knows its key and the {@link io.etcdbackup.stores.WriteMode} it was created with. Buffering,
 * parallelism, retries of parts and the publish/abort sequence belong to the writer, never here.
 *
 * <p>The writer calls either {@link #putWhole} alone, or {@link #begin} once, then
 * {@link #uploadPart} for parts 1..n, then exactly one of {@link #complete} or {@link #abort}.
 * Byte arrays passed in are only valid during the call: the writer reuses them afterwards, so an
 * implementation must not keep a reference once the method returns.
 *
 * @param <P> the provider's receipt for one uploaded part (an ETag, a segment description)
 */
public interface MultipartTarget<P> {

    /**
     * Writes the whole object in one request: the object fit in one part. Publishes atomically,
     * honouring the write mode (with {@code IF_ABSENT} and an existing object it throws
     * {@link io.etcdbackup.stores.ObjectAlreadyExistsException} and changes nothing).
     *
     * @param data   the object's bytes in {@code data[0..length)}
     * @param length the object's size, possibly 0
     */
    void putWhole(byte[] data, int length) throws IOException;

    /**
     * Starts a multipart (segmented) upload; called once, before the first {@link #uploadPart}.
     * Nothing is visible under the key afterwards. If it throws, nothing was started and
     * {@link #abort} is not called.
     */
    void begin() throws IOException;

    /**
     * Uploads one part. May run concurrently with other parts on the writer's upload pool, in any
     * order. Throws {@link io.etcdbackup.stores.TransientStoreException} for failures worth another
     * attempt (the writer retries those a few times, calling again with the same bytes); any other
     * exception fails the whole upload.
     *
     * @param number the part's 1-based position in the object
     * @param data   the part's bytes in {@code data[0..length)}; must not be retained after return
     * @param length the part's size: the writer's part size for all parts but the last
     * @return the receipt that {@link #complete} gets back for this part
     */
    P uploadPart(int number, byte[] data, int length) throws IOException;

    /**
     * Publishes the object from its parts atomically, honouring the write mode; when it throws,
     * nothing new is visible under the key and the writer calls {@link #abort} next.
     *
     * @param parts the receipts of parts 1..n, in part order
     */
    void complete(List<P> parts) throws IOException;

    /**
     * Discards the upload started by {@link #begin}: frees its parts as far as the backend allows.
     * Called only after every part call has returned. Best effort: never throws (log what is
     * left behind instead).
     */
    void abort();
}
