package wsecho.logging;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admits up to a number of events in each one-second window, from any thread, for two atomic
 * operations; a limit of 0 admits everything.
 */
final class RateWindow {

  private final int maxPerSecond;
  private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
  private final AtomicInteger inWindow = new AtomicInteger();

  RateWindow(int maxPerSecond) {
    this.maxPerSecond = maxPerSecond;
  }

  /** True when the event fits in the current window. */
  boolean admit(long nowNanos) {
    if (maxPerSecond <= 0) {
      return true;
    }
    long start = windowStart.get();
    if (nowNanos - start >= 1_000_000_000L && windowStart.compareAndSet(start, nowNanos)) {
      inWindow.set(0);
    }
    return inWindow.incrementAndGet() <= maxPerSecond;
  }

  int maxPerSecond() {
    return maxPerSecond;
  }
}
