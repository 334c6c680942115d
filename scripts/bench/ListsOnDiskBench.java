import io.vecforge.faiss.FaissIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One shard searched as validation searches it (the nprobe sweep 1, 2, 4, 8, 16 over the hold-out queries, then
 * every id), with its lists loaded whole and with them left in the file, alternating: load and sweep times, and
 * the C heap held meanwhile. Run by scripts/bench-lists.sh.
 */
public final class ListsOnDiskBench {
    public static void main(String[] args) throws IOException {
        Path shard = Path.of(args[0]);
        float[] queries = fvecs(Path.of(args[1]));
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int d;
        try (FaissIndex index = FaissIndex.readListsOnDisk(shard)) {
            d = index.dimension();
        }
        int n = queries.length / d;
        FaissIndex.setThreads(threads, 1);
        System.out.printf("%s: %,d bytes, %d queries, %d threads%n", shard.getFileName(), Files.size(shard), n, threads);
        for (int round = 0; round < rounds; round++) {
            for (boolean onDisk : new boolean[] {false, true}) {
                long start = System.nanoTime();
                try (FaissIndex index = onDisk ? FaissIndex.readListsOnDisk(shard) : FaissIndex.read(shard)) {
                    long loaded = System.nanoTime();
                    index.searchSlices(queries, n, 10, new int[] {1, 2, 4, 8, 16}, new long[6]);
                    long swept = System.nanoTime();
                    long[] ids = index.ids();
                    long listed = System.nanoTime();
                    System.out.printf("%-13s load %5.0f ms  sweep %5.0f ms  ids %4.0f ms (%,d)  C heap %5.1f MiB%n",
                            onDisk ? "lists on disk" : "whole", (loaded - start) / 1e6, (swept - loaded) / 1e6,
                            (listed - swept) / 1e6, ids.length, FaissIndex.nativeHeapBytes() / 1048576.0);
                }
            }
        }
    }

    private static float[] fvecs(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int d = bytes.getInt(0);
        int n = bytes.capacity() / (4 + 4 * d);
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            bytes.position(i * (4 + 4 * d) + 4);
            bytes.asFloatBuffer().get(out, i * d, d);
        }
        return out;
    }
}
