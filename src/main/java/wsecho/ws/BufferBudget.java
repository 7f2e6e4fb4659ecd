package wsecho.ws;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code websocket.maxBufferedBytes}: what the whole process holds on behalf of its clients (echo
 * write queues not yet taken by the kernel, text waiting for the end of a read, inflater state and
 * inflated output), across echo instances. It is a hard limit: every read is sized from it before
 * the bytes come in ({@link #reserve}), so the total counted never passes it.
 *
 * <p>Below three quarters of the budget every connection reads freely. From there on, only
 * connections holding less than {@link #MIN_HOLDING} may read, and only up to that much, so the
 * last quarter stays for ordinary clients while a crowd of clients that do not read their echoes
 * (or stall their frames) is held still: back-pressure, not failure. A connection stopped by the
 * budget reads again once the total is back under {@link #resumeLevel}.
 */
public final class BufferBudget {

  /** From three quarters of the budget, a connection holding this much or more is not read. */
  static final long MIN_HOLDING = 8 * 1024;
  /** A read smaller than this is not worth a system call unless that is all that was asked for. */
  private static final long MIN_GRANT = 1024;

  private final long limit;
  private final long freeReading;
  private final AtomicLong held = new AtomicLong();
  private final AtomicInteger paused = new AtomicInteger();
  private final AtomicLong pauses = new AtomicLong();

  public BufferBudget(long limit) {
    this.limit = limit;
    this.freeReading = limit / 4 * 3;
  }

  /** A quarter of the maximum heap: the default of {@code websocket.maxBufferedBytes}. */
  public static long defaultLimit() {
    return Runtime.getRuntime().maxMemory() / 4;
  }

  /**
   * Takes up to {@code want} bytes of the budget, at least {@code min} (or all of {@code want} when
   * it is smaller), for a connection that holds {@code holding} now; 0 when it may not have them.
   */
  long reserve(long want, long min, long holding) {
    long floor = Math.min(want, min);
    while (true) {
      long now = held.get();
      long grant = Math.min(want, limit - now);
      if (now + grant > freeReading) {
        // Near the budget: small holders only, each up to MIN_HOLDING in all.
        grant = holding >= MIN_HOLDING ? Math.max(0, freeReading - now) : Math.min(grant, Math.max(floor, MIN_HOLDING - holding));
      }
      if (grant < floor || grant <= 0) {
        return 0;
      }
      if (held.compareAndSet(now, now + grant)) {
        return grant;
      }
    }
  }

  /** A read of the usual size with the usual minimum. */
  long reserve(long want, long holding) {
    return reserve(want, MIN_GRANT, holding);
  }

  /** Gives back what a connection no longer holds (or counts what it came to hold, if positive). */
  void add(long delta) {
    held.addAndGet(delta);
  }

  /** Whether a connection holding {@code holding} would be granted a read now. */
  boolean mayRead(long holding) {
    long now = held.get();
    return now + MIN_GRANT <= (holding < MIN_HOLDING ? limit : freeReading);
  }

  /** Whether a connection holding {@code holding}, stopped by the budget, should read again. */
  boolean mayResume(long holding) {
    long now = held.get();
    return holding < MIN_HOLDING ? now + MIN_GRANT <= limit : now <= resumeLevel();
  }

  /** Under this, connections of every size read again: a little below where they were stopped. */
  long resumeLevel() {
    return freeReading - limit / 16;
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

  /** Bytes held for clients now, or taken for reads in progress. */
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
