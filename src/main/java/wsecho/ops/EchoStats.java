package wsecho.ops;

/**
 * The echo path's counters for one echo instance. Only that instance's event loop writes them, so
 * they are plain fields: counting a message costs a few additions, not atomic operations. The
 * metrics endpoint sums every instance's counters when scraped (a scrape may be a moment behind).
 */
public final class EchoStats {

  /** Upper bounds of the echo-duration buckets, in nanoseconds: 1 µs, 2 µs, 4 µs ... about 8.4 s. */
  static final int BUCKETS = 24;

  final long[] received = new long[2];       // [text, binary]
  final long[] receivedBytes = new long[2];
  final long[] echoed = new long[2];
  final long[] echoedBytes = new long[2];
  final long[] durationBuckets = new long[BUCKETS + 1]; // the last one is +Inf
  long durationSumNanos;

  static double upperBoundSeconds(int bucket) {
    return (1L << bucket) * 1e-6;
  }

  public void echoed(boolean binary, long bytes, long nanos) {
    int type = binary ? 1 : 0;
    received[type]++;
    receivedBytes[type] += bytes;
    echoed[type]++;
    echoedBytes[type] += bytes;
    long micros = nanos / 1000;
    // Bucket k holds durations up to 2^k µs: the index is the bit length of (micros - 1).
    int bucket = micros <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(micros - 1);
    durationBuckets[Math.min(bucket, BUCKETS)]++;
    durationSumNanos += nanos;
  }

  /** A message cut by a close before its echo completed. */
  public void receivedNotEchoed(boolean binary, long bytes) {
    int type = binary ? 1 : 0;
    received[type]++;
    receivedBytes[type] += bytes;
  }
}
