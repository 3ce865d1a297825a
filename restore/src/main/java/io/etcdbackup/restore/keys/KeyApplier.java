package io.etcdbackup.restore.keys;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcdbackup.snapshot.EtcdBackupException;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Puts keys read from a backup back into a live cluster, one at a time, never losing an update:
 * a key absent now is created in a transaction that checks it is still absent; a key whose value
 * differs is replaced only when asked ({@link Options#overwrite()}), in a transaction that
 * checks it still has the mod revision it had when looked at. A key that holds the same value is
 * left alone, so applying twice changes nothing the second time.
 *
 * <p>Leases are not carried over unless asked: then each old lease becomes one new lease granted
 * with the old one's TTL (the old id may be gone or reused); a key whose lease's TTL the backup
 * did not record is put without a lease, and its decision says so. Not thread-safe.
 */
public final class KeyApplier {

    /** What happens to one key. */
    public enum Action {
        /** absent now: put back */
        CREATE,
        /** present with another value, and overwriting was asked: replaced */
        OVERWRITE,
        /** left alone (see the reason) */
        SKIP,
        /** written by someone else between the look and the write: left alone, the write not made */
        CONFLICT
    }

    /**
     * The decision for one key: what was (or, in a dry run, would be) done, and why.
     *
     * @param kv     the key as read from the backup
     * @param action what happens to it
     * @param reason why, in a few words (e.g. "absent now", "unchanged", "changed since: mod revision 91")
     */
    public record Decision(KeyValue kv, Action action, String reason) {
    }

    /**
     * @param overwrite  replace keys whose value differs now
     * @param dryRun     decide, write nothing
     * @param withLeases attach each key to a new lease granted with its old lease's TTL
     */
    public record Options(boolean overwrite, boolean dryRun, boolean withLeases) {
    }

    /** Keys created, overwritten, skipped, and found changed while being written (conflicts) so far. */
    public record Summary(long created, long overwritten, long skipped, long conflicts) {
    }

    private static final long TIMEOUT_SECONDS = 30;

    private final KV kv;
    private final Client client;
    private final Options options;
    private final PrefixView view;
    private final Map<Long, Long> newLeases = new HashMap<>();
    private long created;
    private long overwritten;
    private long skipped;
    private long conflicts;

    /**
     * @param client the live cluster
     * @param view   where the keys come from (for lease TTLs)
     */
    public KeyApplier(Client client, Options options, PrefixView view) {
        this.client = client;
        this.kv = client.getKVClient();
        this.options = options;
        this.view = view;
    }

    /** Decides for {@code old}, and unless this is a dry run, applies the decision. */
    public Decision apply(KeyValue old) throws IOException {
        ByteSequence key = ByteSequence.from(old.getKey());
        GetResponse now = await(kv.get(key), "reading " + old.getKey().toStringUtf8());
        Decision decision;
        if (now.getKvs().isEmpty()) {
            decision = new Decision(old, Action.CREATE, "absent now");
        } else {
            io.etcd.jetcd.KeyValue current = now.getKvs().get(0);
            if (current.getValue().equals(ByteSequence.from(old.getValue()))) {
                decision = new Decision(old, Action.SKIP, "unchanged");
            } else if (options.overwrite()) {
                decision = new Decision(old, Action.OVERWRITE, "changed since: mod revision " + current.getModRevision());
            } else {
                decision = new Decision(old, Action.SKIP, "changed since: mod revision " + current.getModRevision()
                        + " (--overwrite replaces it)");
            }
        }
        if (!options.dryRun() && (decision.action() == Action.CREATE || decision.action() == Action.OVERWRITE)) {
            decision = write(decision, now);
        }
        count(decision);
        return decision;
    }

    /** What was decided so far. */
    public Summary summary() {
        return new Summary(created, overwritten, skipped, conflicts);
    }

    private Decision write(Decision decision, GetResponse now) throws IOException {
        KeyValue old = decision.kv();
        ByteSequence key = ByteSequence.from(old.getKey());
        Cmp unchangedSinceRead = decision.action() == Action.CREATE
                ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))
                : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(now.getKvs().get(0).getModRevision()));
        PutOption.Builder put = PutOption.builder();
        String note = "";
        boolean grantedNow = false;
        if (options.withLeases() && old.getLease() != 0) {
            grantedNow = !newLeases.containsKey(old.getLease());
            OptionalLong lease = newLease(old.getLease());
            if (lease.isPresent()) {
                put.withLeaseId(lease.getAsLong());
            } else {
                grantedNow = false;
                note = "; lease " + Long.toHexString(old.getLease()) + " has no recorded TTL, put without a lease";
            }
        }
        TxnResponse response = await(kv.txn().If(unchangedSinceRead)
                .Then(Op.put(key, ByteSequence.from(old.getValue()), put.build())).commit(), "writing " + old.getKey().toStringUtf8());
        if (!response.isSucceeded()) {
            if (grantedNow) {
                long unused = newLeases.remove(old.getLease());
                await(client.getLeaseClient().revoke(unused), "revoking the unused lease " + Long.toHexString(unused));
            }
            return new Decision(old, Action.CONFLICT, "changed while applying (written by someone else meanwhile); not written");
        }
        return new Decision(old, decision.action(), decision.reason() + note);
    }

    private OptionalLong newLease(long oldLease) throws IOException {
        Long granted = newLeases.get(oldLease);
        if (granted != null) {
            return OptionalLong.of(granted);
        }
        OptionalLong ttl = view.grantedTtl(oldLease);
        if (ttl.isEmpty()) {
            return OptionalLong.empty();
        }
        long id = await(client.getLeaseClient().grant(ttl.getAsLong()), "granting a lease of " + ttl.getAsLong() + " s").getID();
        newLeases.put(oldLease, id);
        return OptionalLong.of(id);
    }

    private void count(Decision decision) {
        switch (decision.action()) {
            case CREATE -> created++;
            case OVERWRITE -> overwritten++;
            case SKIP -> skipped++;
            case CONFLICT -> conflicts++;
        }
    }

    private static <T> T await(CompletableFuture<T> future, String what) throws IOException {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new EtcdBackupException(what + " in the live cluster failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what, e);
        }
    }
}
