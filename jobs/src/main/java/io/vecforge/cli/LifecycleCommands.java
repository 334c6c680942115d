package io.vecforge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vecforge.FailPoint;
import io.vecforge.RefusedException;
import io.vecforge.UsageException;
import io.vecforge.bundle.ConcurrentPublishException;
import io.vecforge.bundle.IndexLifecycle;
import io.vecforge.bundle.VersionInfo;
import io.vecforge.bundle.VersionName;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The publisher-side lifecycle commands: publish, list, rollback, pin, unpin, gc. None needs Spark. */
final class LifecycleCommands {
    private LifecycleCommands() {}

    abstract static class Base implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        IndexLocation location;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    @Command(name = "publish", description = {"Points LATEST at a staged version, after checking its _SUCCESS vouches for its manifest.",
            "Arguments: INDEX_PATH VERSION, or ROOT INDEX VERSION."})
    static final class Publish extends Base {
        @Option(names = "--if-newer", description = "Leave LATEST alone when it names a version of a later logical"
                + " date (a backfill never moves LATEST back).")
        boolean ifNewer;

        @Override
        public Integer call() throws Exception {
            IndexLifecycle lifecycle = location.lifecycleBeforeVersion();
            String version = location.version();
            for (int attempt = 1; ; attempt++) {
                String before = lifecycle.published().orElse(null);
                if (ifNewer && before != null
                        && lifecycle.dataDate(before).isAfter(lifecycle.dataDate(version))) {
                    if (!lifecycle.isComplete(version)) {
                        throw new RefusedException("version " + version + " is not complete");
                    }
                    if (attempt > 1) { // a publish of a later date overtook this one: refused, as the rule says
                        throw new RefusedException("LATEST of " + location.index() + " moved to " + before
                                + " while this publish ran; its logical date is after " + version
                                + "'s, so LATEST stays on " + before + " (--if-newer)");
                    }
                    out().printf("LATEST of %s stays on %s: the logical date of its data is after %s's%n",
                            location.index(), before, version);
                    return 0;
                }
                FailPoint.reach(FailPoint.PUBLISH_DECIDED);
                try {
                    // with --if-newer the rule was decided on `before`: LATEST moves only if it still names it
                    String from = lifecycle.publish(version, ifNewer ? (before == null ? "" : before) : null,
                            "publish").from();
                    out().printf("LATEST of %s: %s -> %s%n", location.index(), from, version);
                    return 0;
                } catch (ConcurrentPublishException e) {
                    if (!ifNewer || attempt == 10
                            || java.util.Objects.equals(before, lifecycle.published().orElse(null))) {
                        throw e; // not a move underneath (the lock was held too long): nothing to decide again
                    }
                    // another publish moved LATEST meanwhile: decide the date rule again on what it names now
                }
            }
        }
    }

    @Command(name = "rollback", description = "Points LATEST back at the version published before the current one, or at --to.")
    static final class Rollback extends Base {
        @Option(names = "--to", paramLabel = "VERSION", description = "A complete version to return to.")
        String to;

        @Override
        public Integer call() throws Exception {
            IndexLifecycle lifecycle = location.lifecycle();
            String before = lifecycle.published().orElse(null);
            String after = lifecycle.rollback(to);
            out().printf("LATEST of %s: %s -> %s (rollback)%n", location.index(), before, after);
            return 0;
        }
    }

    @Command(name = "list", description = "Versions of an index, newest first: state, rows, size, recall, created.")
    static final class ListVersions extends Base {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<VersionInfo> versions = location.lifecycle().list();
            if (json) {
                out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(
                        versions.stream().map(ListVersions::json).toList()));
                return 0;
            }
            out().printf(Locale.ROOT, "%-36s %-10s %6s %14s %14s %7s  %s%n", "VERSION", "STATE", "PINNED", "ROWS",
                    "BYTES", "RECALL", "CREATED");
            for (VersionInfo v : versions) {
                out().printf(Locale.ROOT, "%-36s %-10s %6s %14s %14s %7s  %s%n", v.version(), v.state().label(),
                        v.pinned() ? "yes" : "", v.rows() == null ? "-" : String.format(Locale.ROOT, "%,d", v.rows()),
                        v.bytes() == null ? "-" : String.format(Locale.ROOT, "%,d", v.bytes()),
                        v.recall() == null ? "-" : String.format(Locale.ROOT, "%.4f", v.recall()),
                        v.createdAt() == null ? "-" : v.createdAt());
            }
            return 0;
        }

        /** Typed JSON: numbers as numbers, absent values as null. */
        private static java.util.Map<String, Object> json(VersionInfo v) {
            java.util.Map<String, Object> entry = new java.util.LinkedHashMap<>();
            entry.put("version", v.version());
            entry.put("state", v.state().label());
            entry.put("pinned", v.pinned());
            entry.put("rows", v.rows());
            entry.put("bytes", v.bytes());
            entry.put("recall", v.recall());
            entry.put("createdAt", v.createdAt());
            return entry;
        }
    }

    /** pin and unpin: INDEX_PATH VERSION or ROOT INDEX VERSION. */
    abstract static class PinBase extends Base {
        abstract boolean pinning();

        @Override
        public Integer call() throws Exception {
            IndexLifecycle lifecycle = location.lifecycleBeforeVersion();
            String version = location.version();
            if (pinning()) {
                lifecycle.pin(version);
            } else {
                lifecycle.unpin(version);
            }
            out().printf("%s %s%n", pinning() ? "pinned" : "unpinned", version);
            return 0;
        }
    }

    @Command(name = "pin", description = "Protects a version from gc.")
    static final class Pin extends PinBase {
        @Override
        boolean pinning() {
            return true;
        }
    }

    @Command(name = "unpin", description = "Lets gc consider a version again.")
    static final class Unpin extends PinBase {
        @Override
        boolean pinning() {
            return false;
        }
    }

    @Command(name = "gc", description = {"Deletes old versions and failed or abandoned builds.",
                "Never the published version, the rollback target, a pinned version, or one younger than"
                    + " the grace period."})
    static final class Gc extends Base {
        @Option(names = "--keep", required = true, description = "Complete versions to keep, newest first.")
        int keep;

        @Option(names = "--grace-hours", defaultValue = "24",
                description = "Never delete a version modified within this many hours (default: ${DEFAULT-VALUE}).")
        double graceHours;

        @Override
        public Integer call() throws Exception {
            if (keep < 1) {
                throw new UsageException("--keep must be at least 1");
            }
            List<String> deleted = location.lifecycle().gc(keep,
                    Duration.ofMillis((long) (graceHours * 3_600_000)), Instant.now());
            deleted.forEach(v -> out().printf("deleted %s%n", v));
            out().printf("gc: %d version(s) deleted%n", deleted.size());
            return 0;
        }
    }
}
