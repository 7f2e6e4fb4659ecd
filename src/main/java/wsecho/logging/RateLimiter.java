package wsecho.logging;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Admits events at a steady rate, from any thread, for one compare-and-set: up to a second's worth
 * at once, then one every {@code 1/rate} seconds (the generic cell rate algorithm). Under
 * sustained overload the admitted events are spread evenly over each second, rather than all
 * taken by its first milliseconds, so the work they cause (printing log lines) comes in small,
 * regular pieces instead of one burst a second. A rate of 0 admits everything.
 */
final class RateLimiter {

  private static final long BURST_NANOS = 1_000_000_000L;

  private final int perSecond;
  private final long intervalNanos;
  private final AtomicLong theoreticalArrival = new AtomicLong(System.nanoTime());

  RateLimiter(int perSecond) {
    this.perSecond = perSecond;
    this.intervalNanos = perSecond > 0 ? Math.max(1, BURST_NANOS / perSecond) : 0;
  }

  /** True when the event arriving at {@code nowNanos} ({@link System#nanoTime()}) is admitted. */
  boolean admit(long nowNanos) {
    if (perSecond <= 0) {
      return true;
    }
    while (true) {
      long arrival = theoreticalArrival.get();
      long next = (arrival - nowNanos < 0 ? nowNanos : arrival) + intervalNanos;
      if (next - nowNanos > BURST_NANOS) {
        return false;
      }
      if (theoreticalArrival.compareAndSet(arrival, next)) {
        return true;
      }
    }
  }

  int perSecond() {
    return perSecond;
  }
}
