package io.etcdbackup.restore.imports;

import io.etcdbackup.snapshot.EtcdBackupException;

/** A reference backup object this importer recognises but cannot read (e.g. LZW compression, suffix {@code .Z}). */
public final class UnsupportedReferenceObjectException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;
    private final String key;
    private final String suffix;

    public UnsupportedReferenceObjectException(String key, String suffix, String why) {
        super("cannot import '" + key + "' (suffix '" + suffix + "'): " + why);
        this.key = key;
        this.suffix = suffix;
    }

    /** The object's key in the store. */
    public String key() {
        return key;
    }

    /** The name suffix that made it unreadable. */
    public String suffix() {
        return suffix;
    }
}
