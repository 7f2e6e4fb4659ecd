package wsecho.logging;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Which WebSocket connections get their lines in the service log (opened, refused, idle, closed):
 * every one up to {@code log.maxConnectionsPerSecond}, so that a normal rate of connections is
 * logged in full while a flood of handshakes cannot turn the log into the bottleneck. A connection
 * is chosen once, when it arrives, and then gets all of its lines or none; the others are counted
 * (metric {@code wsecho_log_connections_unlogged_total}) and summed up in one line.
 */
public final class ConnectionLog {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLog.class);

  private final RateLimiter rate;
  private final AtomicLong unlogged = new AtomicLong();
  private final AtomicLong unloggedTotal = new AtomicLong();

  public ConnectionLog(int maxPerSecond) {
    this.rate = new RateLimiter(maxPerSecond);
  }

  /** Whether the connection arriving now gets its lines. */
  public boolean admit(long nowNanos) {
    if (rate.admit(nowNanos)) {
      long skipped = unlogged.getAndSet(0);
      if (skipped > 0) {
        LOG.info("{} connections were not logged (over log.maxConnectionsPerSecond = {})", skipped, rate.perSecond());
      }
      return true;
    }
    unlogged.incrementAndGet();
    unloggedTotal.incrementAndGet();
    return false;
  }

  /** Connections not logged since the start. */
  public long unloggedTotal() {
    return unloggedTotal.get();
  }
}
