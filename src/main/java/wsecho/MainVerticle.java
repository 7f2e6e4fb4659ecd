package wsecho;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import wsecho.config.EchoConfig;
import wsecho.logging.MessageLog;
import wsecho.ws.EchoSession;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One echo instance: the HTTP server, its routes, and the WebSocket upgrade. Several instances
 * share the port; Vert.x spreads connections across them.
 */
public final class MainVerticle extends VerticleBase {

  static final String PAGE_PATH = "/ws/echo_display";
  static final String WEBROOT = "webroot";
  static final String PAGE_FILE = WEBROOT + "/websockets.html";
  /** The assets are not content-hashed: cache briefly, so a new version shows within minutes. */
  static final long ASSET_MAX_AGE_SECONDS = 300;

  private final EchoConfig config;
  private final MessageLog messageLog;
  private final AtomicLong connections = new AtomicLong();
  private HttpServer server;

  public MainVerticle(EchoConfig config, MessageLog messageLog) {
    this.config = config;
    this.messageLog = messageLog;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/").handler(this::redirectToPage);
    router.get(PAGE_PATH).handler(this::servePage);
    router.get(PAGE_PATH + "/config").handler(this::servePageConfig);
    router.get("/static/*").handler(StaticHandler.create(WEBROOT).setMaxAgeSeconds(ASSET_MAX_AGE_SECONDS));
    router.get("/favicon.ico").handler(this::serveFavicon);
    router.route(config.websocket().path()).handler(this::upgrade);

    server = vertx.createHttpServer(serverOptions()).requestHandler(router);
    return server.listen();
  }

  /** The port actually bound: differs from the configured one only when that is 0. */
  public int actualPort() {
    return server.actualPort();
  }

  /** WebSocket connections this instance has accepted since it started. */
  public long connectionsAccepted() {
    return connections.get();
  }

  private HttpServerOptions serverOptions() {
    EchoConfig.WebSocket ws = config.websocket();
    return new HttpServerOptions()
        .setHost(config.http().host())
        .setPort(config.http().port())
        .setMaxWebSocketFrameSize(ws.maxFrameSize())
        .setMaxWebSocketMessageSize(ws.maxMessageSize())
        .setPerMessageWebSocketCompressionSupported(ws.compression());
  }

  private void redirectToPage(RoutingContext rc) {
    rc.redirect(PAGE_PATH);
  }

  private void servePage(RoutingContext rc) {
    rc.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .sendFile(PAGE_FILE)
        .onFailure(rc::fail);
  }

  /** Served with sendFile, which reads off the event loop (FaviconHandler reads it blocking). */
  private void serveFavicon(RoutingContext rc) {
    rc.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "image/x-icon")
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=" + ASSET_MAX_AGE_SECONDS)
        .sendFile(WEBROOT + "/favicon.ico")
        .onFailure(rc::fail);
  }

  /** What the page needs from the server's configuration to find the WebSocket. */
  private void servePageConfig(RoutingContext rc) {
    rc.response()
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("webSocketPath", config.websocket().path()).encode());
  }

  private void upgrade(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    if (request.method() != HttpMethod.GET) {
      rc.response().setStatusCode(405).putHeader(HttpHeaders.ALLOW, "GET").end();
      return;
    }
    if (!"websocket".equalsIgnoreCase(request.getHeader(HttpHeaders.UPGRADE))) {
      rc.response().setStatusCode(426)
          .putHeader(HttpHeaders.UPGRADE, "websocket")
          .putHeader(HttpHeaders.CONNECTION, "Upgrade")
          .putHeader("Sec-WebSocket-Version", "13")
          .end("This is a WebSocket endpoint: connect with a WebSocket client.\n");
      return;
    }
    request.toWebSocket()
        .onSuccess(socket -> {
          connections.incrementAndGet();
          EchoSession.start(socket, messageLog, vertx.eventBus());
        });
  }
}
