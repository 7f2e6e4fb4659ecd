package wsecho.ws;

/**
 * One open WebSocket as its endpoint sees it, whichever engine runs it: the endpoint ticks it for
 * liveness and closes it at shutdown.
 */
interface EchoConnection {

  /** Starts the closing handshake from the server's side (idle, shutdown). */
  void close(int code, String reason);

  /** Called periodically by the endpoint: pings, the idle timeout, deadlines. */
  void tick(long nowNanos);
}
