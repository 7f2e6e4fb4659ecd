package wsecho.ws;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code websocket.maxBufferedBytes}: what the whole process holds on behalf of its clients (echo
 * write queues not yet taken by the kernel, inflater state), across echo instances. Past the budget,
 * connections holding more than a little stop being read (back-pressure, not failure), so a crowd
 * of clients that do not read their echoes cannot exhaust the heap while others are served; from
 * three quarters of the budget, those holding more than their fair share already. Reading resumes
 * once the total is back under nine tenths of the budget.
 */
public final class BufferBudget {

  /** A connection holding less than this is never paused by the budget. */
  static final long MIN_FAIR_SHARE = 64 * 1024;
  /** Past the budget, a connection holding less than this (an ordinary client's echo) still reads. */
  static final long MIN_HOLDING = 8 * 1024;

  private final long limit;
  private final OpenConnections connections;
  private final AtomicLong held = new AtomicLong();
  private final AtomicInteger paused = new AtomicInteger();
  private final AtomicLong pauses = new AtomicLong();

  public BufferBudget(long limit, OpenConnections connections) {
    this.limit = limit;
    this.connections = connections;
  }

  /** A quarter of the maximum heap: the default of {@code websocket.maxBufferedBytes}. */
  public static long defaultLimit() {
    return Runtime.getRuntime().maxMemory() / 4;
  }

  void add(long delta) {
    held.addAndGet(delta);
  }

  /**
   * True when a connection holding {@code bytes} should stop being read: from three quarters of the
   * budget one holding more than its share, so that the connections still reading have room for
   * their next read; past the budget any that holds more than a few KiB.
   */
  boolean shouldPause(long bytes) {
    long now = held.get();
    if (now > limit) {
      return bytes > MIN_HOLDING;
    }
    return now > limit / 4 * 3 && bytes > Math.max(MIN_FAIR_SHARE, limit / Math.max(1, connections.open()));
  }

  boolean roomToResume() {
    return held.get() <= limit / 10 * 9;
  }

  void paused() {
    paused.incrementAndGet();
    pauses.incrementAndGet();
  }

  void resumed() {
    paused.decrementAndGet();
  }

  public long limit() {
    return limit;
  }

  /** Bytes held for clients now. */
  public long held() {
    return held.get();
  }

  /** Connections not read now because of the budget. */
  public int pausedNow() {
    return paused.get();
  }

  public long pausesTotal() {
    return pauses.get();
  }
}
