package io.vecforge;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Named points where a process can be told to stop and wait to be killed, so that crash tests hit
 * an exact moment (for example between writing _SUCCESS and moving LATEST) instead of racing a
 * timer. Off unless the JVM runs with {@code -Dvecforge.failpoint=<name>}; then, on reaching that
 * point, the thread logs "FAILPOINT <name> reached" and sleeps until the process is killed. With
 * {@code -Dvecforge.failpoint=<name>:throw} it throws an IOException there instead, as a storage
 * error at that moment would; with {@code <name>:pause-<ms>} it pauses that long and goes on, so a
 * race test can hold one process at the moment another must overtake it.
 */
public final class FailPoint {
    private static final Logger LOG = LoggerFactory.getLogger(FailPoint.class);
    public static final String PROPERTY = "vecforge.failpoint";

    public static final String BEFORE_SUCCESS = "publish.before-success";
    public static final String PUBLISH_LOCKED = "publish.locked";
    public static final String AFTER_POINTER = "publish.after-pointer";
    public static final String POINTER_WRITE = "publish.pointer-write";
    /** `vecforge publish --if-newer` has decided its date rule and not yet committed. */
    public static final String PUBLISH_DECIDED = "publish.decided";
    /** An S3 multipart upload has sent a part and not yet completed. */
    public static final String S3_PART_UPLOADED = "s3.part-uploaded";
    private static final String THROW = ":throw";
    private static final String PAUSE = ":pause-";

    private FailPoint() {}

    public static void reach(String name) throws IOException {
        String armed = System.getProperty(PROPERTY);
        if ((name + THROW).equals(armed)) {
            LOG.warn("FAILPOINT {} reached: throwing", name);
            throw new IOException("FAILPOINT " + name + ": injected storage error");
        }
        if (armed != null && armed.startsWith(name + PAUSE)) {
            long millis = Long.parseLong(armed.substring((name + PAUSE).length()));
            LOG.warn("FAILPOINT {} reached: pausing {} ms", name, millis);
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted at failpoint " + name, e);
            }
            return;
        }
        if (!name.equals(armed)) {
            return;
        }
        LOG.warn("FAILPOINT {} reached: waiting to be killed", name);
        System.err.println("FAILPOINT " + name + " reached");
        System.err.flush();
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted at failpoint " + name, e);
            }
        }
    }
}
