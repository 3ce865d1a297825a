package io.etcdbackup.bench.soak;

/**
 * An acknowledged write that a check did not find.
 *
 * @param key            its key
 * @param acknowledgedAt the revision etcd acknowledged it at
 * @param found          what the key holds instead ({@code absent}, or its state)
 */
public record LostWrite(String key, long acknowledgedAt, String found) {

    @Override
    public String toString() {
        return key + " (acknowledged at revision " + acknowledgedAt + "): " + found;
    }
}
