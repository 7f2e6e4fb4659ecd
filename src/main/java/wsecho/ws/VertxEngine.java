package wsecho.ws;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import wsecho.config.EchoConfig;

import java.util.function.Consumer;

/**
 * {@code websocket.engine = vertx}: the design card's {@code ServerWebSocket}. Vert.x answers the
 * handshake the endpoint has accepted, parses and aggregates the frames, and applies the frame and
 * message limits, permessage-deflate and the closing timeout from the server options; what differs
 * from the strict engine is asserted by the conformance suite and tabled in the README.
 */
final class VertxEngine implements WebSocketEngine {

  private final Services services;

  VertxEngine(Services services) {
    this.services = services;
  }

  static HttpServerOptions configure(HttpServerOptions options, EchoConfig.WebSocket config) {
    return options
        .setMaxWebSocketFrameSize(config.maxFrameSize())
        .setMaxWebSocketMessageSize(config.maxMessageSize())
        .setPerMessageWebSocketCompressionSupported(config.compression())
        .setPerFrameWebSocketCompressionSupported(false)
        .setWebSocketSubProtocols(config.subprotocols().isEmpty() ? null : config.subprotocols())
        // Vert.x counts the closing timeout in whole seconds.
        .setWebSocketClosingTimeout(Math.max(1, (config.closeTimeoutMs() + 999) / 1000));
  }

  @Override
  public Future<EchoConnection> upgrade(HttpServerRequest request, WebSocketHandshake.Accepted handshake, long id,
                                        String client, boolean logged, Consumer<EchoConnection> onClosed) {
    return request.toWebSocket().map(ws -> {
      VertxEchoSession session = new VertxEchoSession(id, ws, client, services, logged, onClosed::accept);
      session.start();
      return session;
    });
  }
}
