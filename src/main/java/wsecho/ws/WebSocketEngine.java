package wsecho.ws;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import wsecho.config.EchoConfig;
import wsecho.logging.MessageLog;
import wsecho.ops.EchoMetrics;
import wsecho.ops.EchoStats;

import java.util.function.Consumer;

/**
 * What runs a WebSocket once the endpoint has accepted its handshake (the handshake policy, the
 * connection limit and draining are the endpoint's, for both engines): {@code websocket.engine}.
 * {@link Strict} is the service's own RFC 6455 engine over the upgraded socket; {@link VertxEngine}
 * is Vert.x's {@code ServerWebSocket}, as the design card names it.
 */
public sealed interface WebSocketEngine permits WebSocketEngine.Strict, VertxEngine {

  /** What every connection of one echo instance uses, whichever engine runs it. */
  record Services(Vertx vertx, EchoConfig.WebSocket limits, MessageLog.Outbox messageLog, BufferBudget budget,
                  EchoMetrics metrics, EchoStats stats) {}

  /**
   * Answers the handshake with 101 and starts the echo.
   *
   * @param client   the client's address for the log (the peer, or forwarded by a trusted proxy)
   * @param logged   whether this connection's lines go to the service log
   * @param onClosed called once, when the connection is gone
   */
  Future<EchoConnection> upgrade(HttpServerRequest request, WebSocketHandshake.Accepted handshake, long id, String client,
                                 boolean logged, Consumer<EchoConnection> onClosed);

  static WebSocketEngine of(Services services) {
    return services.limits().vertxEngine() ? new VertxEngine(services) : new Strict(services);
  }

  /** The HTTP server options the chosen engine needs. */
  static HttpServerOptions configure(HttpServerOptions options, EchoConfig.WebSocket config) {
    if (config.vertxEngine()) {
      return VertxEngine.configure(options, config);
    }
    // The WebSocket protocol is this service's own (EchoSession): Vert.x's is not used.
    return options.setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false);
  }

  /** The service's own engine: the 101 answer is written here, and the socket's bytes are the session's. */
  record Strict(Services services) implements WebSocketEngine {
    @Override
    public Future<EchoConnection> upgrade(HttpServerRequest request, WebSocketHandshake.Accepted handshake, long id,
                                          String client, boolean logged, Consumer<EchoConnection> onClosed) {
      request.response()
          .putHeader("Upgrade", "websocket")
          .putHeader("Connection", "Upgrade")
          .putHeader("Sec-WebSocket-Accept", handshake.accept());
      if (handshake.subprotocol() != null) {
        request.response().putHeader("Sec-WebSocket-Protocol", handshake.subprotocol());
      }
      if (handshake.extensions() != null) {
        request.response().putHeader("Sec-WebSocket-Extensions", handshake.extensions());
      }
      // toNetSocket answers 101 with these headers; from here on the bytes are the WebSocket's.
      return request.toNetSocket().map(socket -> {
        EchoSession session = new EchoSession(id, socket, client, services, handshake.deflate(),
            handshake.resetInflaterEachMessage(), logged, onClosed::accept);
        session.start();
        return session;
      });
    }
  }
}
