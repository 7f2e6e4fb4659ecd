package wsecho.ops;

import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;

/**
 * Vert.x's own metrics, as the factory given makes them (Micrometer's), except that the HTTP
 * server's can be left out once the configuration is known. With {@code http.proxyProtocol},
 * Vert.x 5.0.7 hands the address a PROXY header names to the first connection object that asks,
 * and with HTTP server metrics on that is the TCP socket the HTTP connection is later made from, so
 * the HTTP connection (and the service) would see the proxy's address instead.
 */
public final class VertxMetricsSelection implements VertxMetricsFactory {

  private final VertxMetricsFactory factory;
  private volatile boolean httpServer = true;

  public VertxMetricsSelection(VertxMetricsFactory factory) {
    this.factory = factory;
  }

  /** From now on, HTTP servers are created without Vert.x's metrics (call before creating them). */
  public void leaveOutHttpServerMetrics() {
    httpServer = false;
  }

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    VertxMetrics metrics = factory.metrics(options);
    return new VertxMetrics() {
      @Override
      public EventBusMetrics createEventBusMetrics() {
        return metrics.createEventBusMetrics();
      }

      @Override
      public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions server, SocketAddress localAddress) {
        return httpServer ? metrics.createHttpServerMetrics(server, localAddress) : null;
      }

      @Override
      public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
        return metrics.createClientMetrics(remoteAddress, type, namespace);
      }

      @Override
      public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions client) {
        return metrics.createHttpClientMetrics(client);
      }

      @Override
      public TCPMetrics<?> createNetServerMetrics(NetServerOptions server, SocketAddress localAddress) {
        return metrics.createNetServerMetrics(server, localAddress);
      }

      @Override
      public TCPMetrics<?> createNetClientMetrics(NetClientOptions client) {
        return metrics.createNetClientMetrics(client);
      }

      @Override
      public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions socket) {
        return metrics.createDatagramSocketMetrics(socket);
      }

      @Override
      public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
        return metrics.createPoolMetrics(type, name, maxSize);
      }

      @Override
      public void vertxCreated(io.vertx.core.Vertx vertx) {
        metrics.vertxCreated(vertx);
      }

      @Override
      public void close() {
        metrics.close();
      }
    };
  }
}
