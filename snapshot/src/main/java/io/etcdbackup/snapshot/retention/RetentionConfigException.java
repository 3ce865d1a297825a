package io.etcdbackup.snapshot.retention;

import io.etcdbackup.snapshot.EtcdBackupException;

/** A retention setting that cannot be used: which field, which value, and why. */
public final class RetentionConfigException extends EtcdBackupException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String value;

    RetentionConfigException(String field, Object value, String why) {
        super("retention " + field + "=" + value + ": " + why);
        this.field = field;
        this.value = String.valueOf(value);
    }

    /** The setting, as operators write it ({@code policy}, {@code max-backups}, {@code hourly}). */
    public String field() {
        return field;
    }

    /** The rejected value, as given. */
    public String value() {
        return value;
    }
}
