package wsecho.ws;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wsecho.config.EchoConfig;

/**
 * One connection's liveness and rate, whichever engine runs it: when it was last heard from,
 * whether a ping is due ({@code websocket.pingIntervalMs}), whether it has been quiet past
 * {@code websocket.idleTimeoutMs}, and whether a message is one too many for
 * {@code websocket.maxMessagesPerSecond}. Confined to the connection's event loop.
 */
final class Liveness {

  private static final Logger LOG = LoggerFactory.getLogger(Liveness.class);

  private final EchoConfig.WebSocket limits;
  private final long id;
  private final String remote;
  private final boolean logged;
  private long lastHeardNanos;
  private long lastPingNanos;
  private long rateWindowStart;
  private int messagesInWindow;

  /** For connection {@code id} from {@code remote}; {@code logged}: its lines go to the service log. */
  Liveness(EchoConfig.WebSocket limits, long nowNanos, long id, String remote, boolean logged) {
    this.limits = limits;
    this.id = id;
    this.remote = remote;
    this.logged = logged;
    this.lastHeardNanos = nowNanos;
    this.lastPingNanos = nowNanos;
    this.rateWindowStart = nowNanos;
  }

  /** Traffic from the client (any frame, a pong, or its reading of a long echo). */
  void heard(long nowNanos) {
    lastHeardNanos = nowNanos;
  }

  long lastHeard() {
    return lastHeardNanos;
  }

  long quietMs(long nowNanos) {
    return (nowNanos - lastHeardNanos) / 1_000_000;
  }

  boolean idle(long nowNanos) {
    return limits.idleTimeoutMs() > 0 && quietMs(nowNanos) >= limits.idleTimeoutMs();
  }

  /** True when a ping should go out now; the ping is then taken as sent. */
  boolean pingDue(long nowNanos) {
    if (limits.pingIntervalMs() > 0 && (nowNanos - lastPingNanos) / 1_000_000 >= limits.pingIntervalMs()) {
      lastPingNanos = nowNanos;
      return true;
    }
    return false;
  }

  /**
   * The keep-alive part of a tick: a connection quiet past {@code websocket.idleTimeoutMs} is closed
   * with 1001 (and a line); otherwise a ping goes out when one is due and {@code mayPing}.
   *
   * @return true when the connection was closed
   */
  boolean keepAlive(long nowNanos, boolean mayPing, EchoConnection connection, Runnable ping) {
    if (idle(nowNanos)) {
      if (logged) {
        LOG.info("connection {} from {} idle for {} ms: closing", id, remote, quietMs(nowNanos));
      }
      connection.close(CloseCodes.GOING_AWAY, "idle timeout");
      return true;
    }
    if (mayPing && pingDue(nowNanos)) {
      ping.run();
    }
    return false;
  }

  /** Counts a new message: true when it is past {@code websocket.maxMessagesPerSecond}. */
  boolean overRate(long nowNanos) {
    int max = limits.maxMessagesPerSecond();
    if (max <= 0) {
      return false;
    }
    if (nowNanos - rateWindowStart >= 1_000_000_000L) {
      rateWindowStart = nowNanos;
      messagesInWindow = 0;
    }
    return ++messagesInWindow > max;
  }

  String rateReason() {
    return "more than " + limits.maxMessagesPerSecond() + " messages per second";
  }
}
