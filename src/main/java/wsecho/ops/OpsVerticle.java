package wsecho.ops;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.web.Router;
import wsecho.config.EchoConfig;

/**
 * The HTTP server of a node without the {@code echo} role (a logger node): health and metrics on
 * {@code http.port}, nothing else, so that probes and scrapes treat every node alike.
 */
public final class OpsVerticle extends VerticleBase {

  private final EchoConfig.Http config;
  private final ServiceState state;
  private final EchoMetrics metrics;
  private final ClusterManager cluster;
  private HttpServer server;

  public OpsVerticle(EchoConfig.Http config, ServiceState state, EchoMetrics metrics, ClusterManager cluster) {
    this.config = config;
    this.state = state;
    this.metrics = metrics;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    OpsRoutes.mount(router, vertx, state, metrics, cluster);
    server = vertx.createHttpServer(listenOptions(config)).requestHandler(router);
    return server.listen();
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** Where and how a node's HTTP server listens: {@code http.host}, {@code http.port}, {@code http.tls.*}. */
  public static HttpServerOptions listenOptions(EchoConfig.Http config) {
    HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port());
    if (config.tls().enabled()) {
      options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(config.tls().certPath())
          .setKeyPath(config.tls().keyPath()));
    }
    return options;
  }
}
