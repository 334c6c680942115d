package io.vecforge.bundle.s3;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vecforge.FailPoint;
import io.vecforge.bundle.BundleLayout;
import io.vecforge.bundle.CommitFailedException;
import io.vecforge.bundle.CommitOperations;
import io.vecforge.bundle.CommitStateUnknownException;
import io.vecforge.bundle.ConcurrentPublishException;
import io.vecforge.bundle.HistoryEntry;
import io.vecforge.bundle.StorageEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit on S3, with conditional PUTs and no lock object:
 * <ol>
 * <li>read LATEST (its version, ETag and commit step, kept in the object's metadata);
 * <li>if it does not name the base: {@link ConcurrentPublishException};
 * <li>claim the next step: create {@code _commits/<step>.json} with {@code If-None-Match: *}. Exactly
 *     one writer's create succeeds; this is where the commit is decided. A loser gets
 *     {@link ConcurrentPublishException};
 * <li>write LATEST with {@code If-Match: <its ETag>} (or {@code If-None-Match: *} for the first);
 * <li>append HISTORY.jsonl (If-Match, retried): errors from here are warnings.
 * </ol>
 * A claim whose owner died before step 4 is a decided commit: whoever reads LATEST next finishes it
 * (the same bytes, under the same If-Match), so the index never sticks and never goes back. The
 * decision needs only an atomic {@code If-None-Match: *}, which s3proxy's and moto's stores have as
 * well as S3 itself; {@code If-Match} guards LATEST against writers outside this protocol.
 */
final class S3CommitOperations implements CommitOperations {
    private static final Logger LOG = LoggerFactory.getLogger(S3CommitOperations.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** LATEST's user metadata: the step of the claim it materializes. */
    static final String STEP = "vecforge-commit-step";
    private static final int HISTORY_ATTEMPTS = 8;

    private final S3BundleStorage storage;
    private final BundleLayout layout;

    S3CommitOperations(S3BundleStorage storage, BundleLayout layout) {
        this.storage = storage;
        this.layout = layout;
    }

    /** LATEST as read, with the step it stands at (its own metadata, or the newest claim for a foreign LATEST). */
    private record Pointer(String version, String eTag, long step) {}

    @Override
    public Optional<String> current() throws IOException {
        return Optional.ofNullable(resolve().version());
    }

    @Override
    public boolean claimVersion(String version, byte[] owner) throws IOException {
        Path dir = layout.versionDir(version);
        if (storage.exists(dir)) {
            return false;
        }
        ConditionalWriteProbe.require(storage, layout.commitsDir());
        Path heartbeat = new Path(dir, BundleLayout.HEARTBEAT);
        for (int attempt = 1; ; attempt++) {
            if (storage.putIf(heartbeat, owner, null, Map.of()).isPresent()) {
                return true;
            }
            // refused: the SDK may have retried a create that had landed (then the claim holds our bytes, which
            // are unique to this call), or another build claimed the version; a refusal that left nothing at
            // all is tried again
            Optional<S3Object> stored = storage.readObject(heartbeat);
            if (stored.isPresent() || attempt == 3) {
                return stored.isPresent() && Arrays.equals(stored.get().content(), owner);
            }
        }
    }

    @Override
    public List<String> commit(String base, String next, HistoryEntry entry) throws IOException {
        ConditionalWriteProbe.require(storage, layout.commitsDir());
        Pointer now = resolve();
        if (!Objects.equals(now.version(), base)) {
            throw moved(now.version(), base, next);
        }
        CommitClaim claim = new CommitClaim(now.step() + 1, base, next, now.eTag(), UUID.randomUUID().toString(),
                entry);
        claim(claim);
        FailPoint.reach(FailPoint.PUBLISH_LOCKED);
        writePointer(now, claim);
        return appendHistory(entry);
    }

    /** Creates the claim; only one writer of a step succeeds. */
    private void claim(CommitClaim claim) throws IOException {
        Path file = layout.commitClaim(claim.step());
        Optional<String> created;
        try {
            created = storage.putIf(file, JSON.writeValueAsBytes(claim), null, Map.of());
        } catch (IOException e) {
            Optional<CommitClaim> landed;
            try {
                landed = readClaim(claim.step());
            } catch (IOException unreadable) {
                e.addSuppressed(unreadable);
                throw new CommitStateUnknownException("claiming commit step " + claim.step() + " of "
                        + layout.indexDir() + " failed (" + e.getMessage() + ") and the claim cannot be read back:"
                        + " LATEST may yet be moved to " + claim.to() + " by the next reader; nothing was deleted."
                        + " Check with `vecforge list`.", e);
            }
            if (landed.isPresent() && landed.get().commitId().equals(claim.commitId())) {
                return; // the create landed; its answer was lost
            }
            throw new CommitFailedException("could not claim commit step " + claim.step() + " of "
                    + layout.indexDir() + ": " + e.getMessage() + "; LATEST still names " + claim.from(), e);
        }
        if (created.isEmpty() && isOurs(claim)) {
            return; // the SDK retried a create that had landed, and the retry found it
        }
        if (created.isEmpty()) {
            Pointer after = resolve();
            throw new ConcurrentPublishException("another publish claimed commit step " + claim.step() + " of "
                    + layout.indexDir() + " first: LATEST names " + describe(after.version()) + " (expected "
                    + describe(claim.from()) + "); version " + claim.to() + " stays staged");
        }
    }

    private boolean isOurs(CommitClaim claim) throws IOException {
        Optional<CommitClaim> stored = readClaim(claim.step());
        return stored.isPresent() && stored.get().commitId().equals(claim.commitId());
    }

    /** Moves LATEST as the claim says; on an error, LATEST is read back to tell what happened. */
    private void writePointer(Pointer now, CommitClaim claim) throws IOException {
        IOException error;
        try {
            FailPoint.reach(FailPoint.POINTER_WRITE);
            if (materialize(now, claim)) {
                return;
            }
            error = null;
        } catch (IOException e) {
            error = e;
        }
        Pointer after;
        try {
            after = readPointer();
        } catch (IOException unreadable) {
            CommitStateUnknownException unknown = new CommitStateUnknownException("writing LATEST of "
                    + layout.indexDir() + " failed (" + describeError(error) + ") and it cannot be read back; commit"
                    + " step " + claim.step() + " (" + claim.to() + ") is claimed, so the next publish or read of"
                    + " LATEST completes it. Nothing was deleted. Check with `vecforge list`.", error);
            unknown.addSuppressed(unreadable);
            throw unknown;
        }
        if (claim.to().equals(after.version()) && after.step() == claim.step()) {
            LOG.warn("writing LATEST reported {}, but it names {} at step {}: committed", describeError(error),
                    claim.to(), claim.step());
            return;
        }
        if (error == null) {
            throw new CommitFailedException("LATEST of " + layout.indexDir() + " was rewritten outside vecforge's"
                    + " commit (it names " + describe(after.version()) + "); " + claim.to() + " was not published");
        }
        throw new CommitStateUnknownException("writing LATEST of " + layout.indexDir() + " failed ("
                + error.getMessage() + "); it still names " + describe(after.version()) + ", but commit step "
                + claim.step() + " (" + claim.to() + ") is claimed, so the next publish or read of LATEST completes"
                + " it. Nothing was deleted.", error);
    }

    /** Writes LATEST for a claim made from {@code from}; false if LATEST is no longer what the claim saw. */
    private boolean materialize(Pointer from, CommitClaim claim) throws IOException {
        byte[] content = (claim.to() + "\n").getBytes(StandardCharsets.UTF_8);
        return storage.putIf(layout.latest(), content, from.eTag(), Map.of(STEP, Long.toString(claim.step())))
                .isPresent();
    }

    /** LATEST as decided: the pointer, moved on by any claim its writer did not finish. */
    private Pointer resolve() throws IOException {
        Pointer pointer = readPointer();
        for (int finished = 0; ; finished++) {
            Optional<CommitClaim> pending = readClaim(pointer.step() + 1);
            if (pending.isEmpty() || !Objects.equals(pending.get().baseETag(), pointer.eTag()) || finished > 16) {
                return pointer;
            }
            CommitClaim claim = pending.get();
            try {
                if (materialize(pointer, claim)) {
                    LOG.warn("finished commit step {} of {} ({} -> {}), claimed at {} by {} on {} but not written",
                            claim.step(), layout.indexDir(), describe(claim.from()), claim.to(), claim.entry().at(),
                            claim.entry().user(), claim.entry().host());
                    appendHistory(claim.entry());
                }
            } catch (IOException e) {
                LOG.warn("commit step {} of {} is claimed (-> {}) but LATEST cannot be written here: {}",
                        claim.step(), layout.indexDir(), claim.to(), e.getMessage());
                return new Pointer(claim.to(), null, claim.step());
            }
            pointer = readPointer();
        }
    }

    private Pointer readPointer() throws IOException {
        Optional<S3Object> latest = storage.readObject(layout.latest());
        if (latest.isEmpty()) {
            return new Pointer(null, null, stepWithoutMetadata(null));
        }
        String value = new String(latest.get().content(), StandardCharsets.UTF_8).trim();
        String step = latest.get().metadata().get(STEP);
        long parsed = -1;
        if (step != null) {
            try {
                parsed = Long.parseLong(step);
            } catch (NumberFormatException e) {
                parsed = -1;
            }
        }
        return new Pointer(value.isEmpty() ? null : value, latest.get().eTag(),
                parsed >= 0 ? parsed : stepWithoutMetadata(latest.get().eTag()));
    }

    /**
     * The step of a LATEST that carries none (absent, or written outside this protocol): the newest
     * claim's, unless that claim was made from this very LATEST and is still to be written.
     */
    private long stepWithoutMetadata(String eTag) throws IOException {
        long newest = newestClaimStep();
        if (newest > 0 && readClaim(newest).map(c -> Objects.equals(c.baseETag(), eTag)).orElse(false)) {
            return newest - 1;
        }
        return newest;
    }

    private Optional<CommitClaim> readClaim(long step) throws IOException {
        Optional<S3Object> claim = storage.readObject(layout.commitClaim(step));
        if (claim.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(claim.get().content(), CommitClaim.class));
        } catch (IOException e) {
            throw new IOException("commit claim " + layout.commitClaim(step) + " is not a claim: " + e.getMessage(), e);
        }
    }

    /** For a LATEST not written by this protocol: claims go on after the newest one there is. */
    private long newestClaimStep() throws IOException {
        long newest = 0;
        for (StorageEntry entry : storage.list(layout.commitsDir())) {
            String name = entry.name();
            if (entry.isFile() && name.matches("[0-9]{19}\\.json")) {
                newest = Math.max(newest, Long.parseLong(name.substring(0, 19)));
            }
        }
        return newest;
    }

    /** The commit has happened: nothing from here may fail it, so errors become warnings. */
    private List<String> appendHistory(HistoryEntry entry) {
        List<String> warnings = new ArrayList<>();
        try {
            FailPoint.reach(FailPoint.AFTER_POINTER);
            String text = JSON.writeValueAsString(entry);
            byte[] line = (text + "\n").getBytes(StandardCharsets.UTF_8);
            for (int attempt = 1; ; attempt++) {
                Optional<S3Object> old = storage.readObject(layout.history());
                byte[] before = old.map(S3Object::content).orElse(new byte[0]);
                // appended already: by a retried PUT that had landed, or by whoever finished this commit
                if (new String(before, StandardCharsets.UTF_8).lines().anyMatch(text::equals)) {
                    break;
                }
                byte[] all = new byte[before.length + line.length];
                System.arraycopy(before, 0, all, 0, before.length);
                System.arraycopy(line, 0, all, before.length, line.length);
                if (storage.putIf(layout.history(), all, old.map(S3Object::eTag).orElse(null), Map.of()).isPresent()) {
                    break;
                }
                if (attempt == HISTORY_ATTEMPTS) {
                    throw new IOException("HISTORY.jsonl kept changing underneath (" + attempt + " attempts)");
                }
            }
        } catch (IOException | RuntimeException e) {
            String warning = "LATEST names " + entry.to() + ", but HISTORY.jsonl was not appended: " + e.getMessage()
                    + " (the move is recorded in " + layout.commitsDir() + ")";
            LOG.warn("{}", warning);
            warnings.add(warning);
        }
        return warnings;
    }

    private ConcurrentPublishException moved(String now, String base, String next) {
        return new ConcurrentPublishException("LATEST of " + layout.indexDir() + " moved to " + describe(now)
                + " (expected " + describe(base) + "); version " + next + " stays staged");
    }

    private static String describe(String version) {
        return version == null ? "nothing" : version;
    }

    private static String describeError(IOException error) {
        return error == null ? "a failed condition" : error.getMessage();
    }
}
