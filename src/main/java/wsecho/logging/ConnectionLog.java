package wsecho.logging;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Which WebSocket connections get their lines in the service log (opened, refused, idle, closed):
 * every one up to {@code log.maxConnectionsPerSecond}, so that a normal rate of connections is
 * logged in full while a flood of handshakes cannot turn the log into the bottleneck. A connection
 * is chosen once, when it arrives, and then gets all of its lines or none; the others are counted
 * (metric {@code wsecho_log_connections_unlogged_total}) and summed up once a second by
 * {@link #reportUnlogged()}. Not by the next admitted connection: the cap spreads admissions over
 * the second, so under churn that was a summary line for every connection logged, a third of the
 * lines the cap lets through.
 */
public final class ConnectionLog {

  private static final Logger LOG = LoggerFactory.getLogger(ConnectionLog.class);

  private final RateLimiter rate;
  private final AtomicLong unloggedTotal = new AtomicLong();
  // Guarded by this: the once-a-second timer and the drain's last report may run on different event loops.
  private long reported;

  public ConnectionLog(int maxPerSecond) {
    this.rate = new RateLimiter(maxPerSecond);
  }

  /** Whether the connection arriving now gets its lines. */
  public boolean admit(long nowNanos) {
    if (rate.admit(nowNanos)) {
      return true;
    }
    unloggedTotal.incrementAndGet();
    return false;
  }

  /** Logs how many connections were not logged since the last report; called once a second. */
  public synchronized void reportUnlogged() {
    long now = unloggedTotal.get();
    long skipped = now - reported;
    reported = now;
    if (skipped > 0) {
      LOG.info("{} connections were not logged (over log.maxConnectionsPerSecond = {})", skipped, rate.perSecond());
    }
  }

  /** Connections not logged since the start. */
  public long unloggedTotal() {
    return unloggedTotal.get();
  }
}
