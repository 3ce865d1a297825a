package io.etcdbackup.stores.multipart;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The MD5 of a part's bytes, which several services check on upload ({@code Content-MD5} in
 * base64 on OSS, the {@code ETag} in hex on Swift); each provider encodes it as its service wants.
 */
public final class PartDigests {

    private PartDigests() {
    }

    /** The MD5 of {@code data[0, length)}. */
    public static byte[] md5(byte[] data, int length) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(data, 0, length);
            return md5.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has MD5", e);
        }
    }
}
