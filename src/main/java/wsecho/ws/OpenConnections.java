package wsecho.ws;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The WebSocket connections of the whole process, across echo instances: ids and the limit. */
public final class OpenConnections {

  private final AtomicLong ids = new AtomicLong();
  private final AtomicInteger open = new AtomicInteger();
  private final int max;

  public OpenConnections(int max) {
    this.max = max;
  }

  /** Takes a slot for a new connection, or returns false when the limit is reached. */
  boolean tryOpen() {
    while (true) {
      int now = open.get();
      if (max > 0 && now >= max) {
        return false;
      }
      if (open.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  void closed() {
    open.decrementAndGet();
  }

  long nextId() {
    return ids.incrementAndGet();
  }

  public int open() {
    return open.get();
  }
}
