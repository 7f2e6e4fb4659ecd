package wsecho.ws;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code websocket.maxBufferedBytes}: what the whole process holds on behalf of its clients (echo
 * write queues not yet taken by the kernel, inflater state), across echo instances. Past the budget,
 * a connection holding more than its fair share stops being read (back-pressure, not failure), so a
 * crowd of clients that do not read their echoes cannot exhaust the heap while others are served;
 * reading resumes once the total is back under nine tenths of the budget.
 */
public final class BufferBudget {

  /** A connection holding less than this is never paused by the budget. */
  static final long MIN_FAIR_SHARE = 64 * 1024;

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

  /** True when a connection holding {@code bytes} should stop being read. */
  boolean shouldPause(long bytes) {
    return held.get() > limit && bytes > Math.max(MIN_FAIR_SHARE, limit / Math.max(1, connections.open()));
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
