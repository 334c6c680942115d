package io.vecforge.serving;

/** Caps the bytes per second of all downloads of a pull together (0 = no cap). */
final class RateLimit {
    private final long bytesPerSecond;
    private final long start = System.nanoTime();
    private long granted;

    RateLimit(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** The largest read to ask for next. */
    int chunk(int buffer) {
        return bytesPerSecond <= 0 ? buffer : (int) Math.max(1, Math.min(buffer, bytesPerSecond / 10));
    }

    /** Waits until {@code bytes} more fit under the cap. */
    void acquire(long bytes) throws InterruptedException {
        if (bytesPerSecond <= 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            granted += bytes;
            waitNanos = granted * 1_000_000_000L / bytesPerSecond - (System.nanoTime() - start);
        }
        if (waitNanos > 0) {
            Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
        }
    }
}
