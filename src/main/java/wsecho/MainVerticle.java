package wsecho;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import wsecho.config.EchoConfig;
import wsecho.http.ClientAddress;
import wsecho.http.HttpEcho;
import wsecho.http.InfoHandler;
import wsecho.ops.OpsRoutes;
import wsecho.ops.OpsVerticle;
import wsecho.ws.EchoEndpoint;
import wsecho.ws.WebSocketEngine;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
  private final EchoService.Shared shared;
  private final int instance; // 1..instances: which echo instance answered, in /info
  private final Map<HttpConnection, Long> awaitingRequest = new HashMap<>(); // deadline, System.nanoTime()
  private EchoEndpoint endpoint;
  private long handshakeSweep;
  private HttpServer server;
  private Buffer page;
  private Buffer favicon;

  public MainVerticle(EchoConfig config, EchoService.Shared shared, int instance) {
    this.config = config;
    this.shared = shared;
    this.instance = instance;
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(handshakeSweep);
    endpoint.stop();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/").handler(this::redirectToPage);
    router.get(PAGE_PATH).handler(this::servePage);
    router.get(PAGE_PATH + "/config").handler(this::servePageConfig);
    // The page's own files live under its path and it loads them by relative URLs, so it works
    // wherever a proxy mounts the service: everything routed, only /ws/, or under a stripped prefix.
    router.get(PAGE_PATH + "/*").handler(StaticHandler.create(WEBROOT).setMaxAgeSeconds(ASSET_MAX_AGE_SECONDS));
    router.get("/favicon.ico").handler(this::serveFavicon);
    router.route(config.websocket().path()).handler(rc -> endpoint.handle(rc.request()));
    OpsRoutes.mount(router, vertx, shared.state(), shared.metrics(), shared.cluster());
    ClientAddress clientAddress = ClientAddress.trusting(config.http().trustedProxies(), config.http().forwardedHeader());
    if (config.info().enabled()) {
      // Also under the page's path: the page reaches it wherever a proxy routes the page.
      InfoHandler info = new InfoHandler(shared.identity(), config.websocket().engine(), instance, clientAddress);
      router.get("/info").handler(info);
      router.get(PAGE_PATH + "/info").handler(info);
    }
    // No file uploads: the body stays in memory, bounded by http.maxBodySize (over it: 413). Also
    // under /ws/, which a proxy that routes only the page's and the WebSocket's prefix still reaches.
    router.routeWithRegex("(/ws)?/http/echo(/.*)?")
        .handler(BodyHandler.create(false).setBodyLimit(config.http().maxBodySize()))
        .handler(new HttpEcho(clientAddress))
        .failureHandler(MainVerticle::answerTooLarge);

    endpoint = new EchoEndpoint(vertx, config.websocket(), clientAddress,
        shared.messageLog(), shared.connectionLog(), shared.connections(),
        shared.budget(), shared.metrics(), shared.state());
    endpoint.start();
    // A twentieth of the timeout: a slow handshake is cut at most 5% late.
    long sweepMs = Math.max(10, Math.min(1000, config.http().handshakeTimeoutMs() / 20));
    handshakeSweep = vertx.setPeriodic(sweepMs, t -> closeSlowHandshakes());
    server = vertx.createHttpServer(WebSocketEngine.configure(serverOptions(), config.websocket()))
        .connectionHandler(this::limitHandshakeTime)
        .requestHandler(request -> {
          handshakeStarted(request.connection());
          String badHost = checkHost(request);
          if (badHost != null) {
            request.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
                .end(badHost + "\n");
            return;
          }
          router.handle(request);
        });
    // The page and the icon are read once, off the event loop, and answered from memory: no file
    // is opened on the event loop for a request (sendFile opens it there).
    return Future.all(vertx.fileSystem().readFile(PAGE_FILE), vertx.fileSystem().readFile(WEBROOT + "/favicon.ico"))
        .compose(files -> {
          page = files.resultAt(0);
          favicon = files.resultAt(1);
          return server.listen();
        });
  }

  /**
   * Why the request's Host cannot be used, or null. vertx-web answers a missing Host with 400 too,
   * but logs a stack trace for each; and Vert.x 5.0.7 throws on some malformed ones (a '%' not
   * followed by two hex digits: HostAndPortImpl.parseRegName indexes by the character, fixed in
   * 5.0.9), which left the request unanswered. Both found by fuzzing the handshake.
   */
  private static String checkHost(HttpServerRequest request) {
    try {
      boolean hasHost = request.authority() != null; // parsed for every version: routing parses it too
      return hasHost || request.version() != HttpVersion.HTTP_1_1 ? null : "HTTP/1.1 needs a Host header";
    } catch (RuntimeException malformed) {
      return "malformed Host header";
    }
  }

  /** The port actually bound: differs from the configured one only when that is 0. */
  public int actualPort() {
    return server.actualPort();
  }

  /** WebSocket connections this instance has accepted since it started. */
  public long connectionsAccepted() {
    return endpoint.accepted();
  }

  public EchoEndpoint endpoint() {
    return endpoint;
  }

  /**
   * Slow-loris guard: a connection must send its first request head within the handshake
   * timeout. One periodic sweep per instance checks the deadlines (no timer per connection).
   */
  private void limitHandshakeTime(HttpConnection connection) {
    awaitingRequest.put(connection, System.nanoTime() + config.http().handshakeTimeoutMs() * 1_000_000L);
    connection.closeHandler(closed -> awaitingRequest.remove(connection));
  }

  private void handshakeStarted(HttpConnection connection) {
    awaitingRequest.remove(connection);
  }

  private void closeSlowHandshakes() {
    long now = System.nanoTime();
    awaitingRequest.entrySet().removeIf(entry -> {
      if (now - entry.getValue() >= 0) {
        entry.getKey().close();
        return true;
      }
      return false;
    });
  }

  private HttpServerOptions serverOptions() {
    return OpsVerticle.listenOptions(config.http())
        .setMaxHeaderSize(config.http().maxHeaderSize())
        // Behind a proxy that sends it, the PROXY header names the client; Vert.x then reports it as the peer.
        // Waiting for that header is part of the handshake: the same timeout (Vert.x's own default is 10 s).
        .setUseProxyProtocol(config.http().proxyProtocol())
        .setProxyProtocolTimeout(config.http().handshakeTimeoutMs())
        .setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS)
        // No h2c detection: it holds a new connection back until 24 bytes arrive, which would hide
        // a slow client from the handshake timeout. WebSockets here are HTTP/1.1.
        .setHttp2ClearTextEnabled(false)
        // Every handler here writes from this instance's event loop, so a connection can write
        // directly instead of through a thread-safe queue (about 4 KiB per connection).
        .setStrictThreadMode(true);
  }

  /**
   * A body over http.maxBodySize is the client's mistake, answered 413 without the error line
   * vertx-web prints for a failure nobody handled (one per request: a client could fill the log).
   */
  private static void answerTooLarge(RoutingContext rc) {
    if (rc.statusCode() == 413 && !rc.response().headWritten()) {
      rc.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8")
          .end("request body over http.maxBodySize\n");
    } else {
      rc.next();
    }
  }

  /** A relative Location: under a prefix a proxy strips, the browser stays under that prefix. */
  private void redirectToPage(RoutingContext rc) {
    rc.redirect(PAGE_PATH.substring(1));
  }

  private void servePage(RoutingContext rc) {
    if (rc.request().path().endsWith("/")) {
      // The router also matches the path with a slash; the page's relative URLs need it without.
      rc.redirect("../" + PAGE_PATH.substring(PAGE_PATH.lastIndexOf('/') + 1));
      return;
    }
    rc.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .end(page);
  }

  /** From memory (vertx-web's FaviconHandler reads the file blocking). */
  private void serveFavicon(RoutingContext rc) {
    rc.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "image/x-icon")
        .putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=" + ASSET_MAX_AGE_SECONDS)
        .end(favicon);
  }

  /** What the page needs from the server's configuration to find the WebSocket. */
  private void servePageConfig(RoutingContext rc) {
    rc.response()
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("pagePath", PAGE_PATH).put("webSocketPath", config.websocket().path()).encode());
  }

}
