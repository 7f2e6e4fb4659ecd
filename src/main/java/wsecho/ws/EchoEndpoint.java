package wsecho.ws;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wsecho.config.EchoConfig;
import wsecho.http.ClientAddress;
import wsecho.logging.ConnectionLog;
import wsecho.logging.MessageLog;
import wsecho.ops.EchoMetrics;
import wsecho.ops.EchoStats;
import wsecho.ops.ServiceState;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The WebSocket endpoint of one echo instance: answers the handshake (the same policy for both
 * engines), hands the connection to the {@link WebSocketEngine} in use, and keeps them alive (pings, idle timeout) with one timer
 * for all of them rather than one per connection.
 */
public final class EchoEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(EchoEndpoint.class);

  private final Vertx vertx;
  private final EchoConfig.WebSocket config;
  private final WebSocketHandshake.Policy policy;
  private final MessageLog messageLog;
  private final ConnectionLog connectionLog;
  private MessageLog.Outbox outbox;
  private final OpenConnections connections;
  private final BufferBudget budget;
  private final EchoMetrics metrics;
  private final EchoStats stats;
  private final ServiceState state;
  private final Set<EchoConnection> sessions = new LinkedHashSet<>(); // touched only on this instance's event loop
  private WebSocketEngine engine;
  private final ClientAddress clientAddress;
  private long accepted;
  private long timer = -1;
  private Context context;

  public EchoEndpoint(Vertx vertx, EchoConfig.WebSocket config, ClientAddress clientAddress, MessageLog messageLog,
                      ConnectionLog connectionLog, OpenConnections connections, BufferBudget budget, EchoMetrics metrics,
                      ServiceState state) {
    this.clientAddress = clientAddress;
    this.budget = budget;
    this.connectionLog = connectionLog;
    this.metrics = metrics;
    this.stats = metrics.newStats();
    this.state = state;
    this.vertx = vertx;
    this.config = config;
    this.policy = new WebSocketHandshake.Policy(config.allowedOrigins(), config.subprotocols(), config.compression());
    this.messageLog = messageLog;
    this.connections = connections;
  }

  /** Starts the liveness timer; call on the instance's own context. */
  public void start() {
    context = vertx.getOrCreateContext();
    outbox = messageLog.outbox(vertx);
    engine = WebSocketEngine.of(new WebSocketEngine.Services(vertx, config, outbox, budget, metrics, stats));
    long period = livenessPeriodMs();
    if (period > 0) {
      timer = vertx.setPeriodic(period, t -> {
        long now = System.nanoTime();
        for (EchoConnection session : sessions.toArray(new EchoConnection[0])) {
          session.tick(now);
        }
      });
    }
  }

  public void stop() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
    outbox.close();
  }

  /** Checks often enough for the shorter of the two intervals to be kept within a quarter. */
  private long livenessPeriodMs() {
    long shortest = Long.MAX_VALUE;
    if (config.pingIntervalMs() > 0) shortest = config.pingIntervalMs();
    if (config.idleTimeoutMs() > 0) shortest = Math.min(shortest, config.idleTimeoutMs());
    if (config.frameTimeoutMs() > 0) shortest = Math.min(shortest, config.frameTimeoutMs());
    return shortest == Long.MAX_VALUE ? 0 : Math.max(10, Math.min(1000, shortest / 4));
  }

  public long accepted() {
    return accepted;
  }

  public int open() {
    return sessions.size();
  }

  public void handle(HttpServerRequest request) {
    WebSocketHandshake.Outcome outcome = WebSocketHandshake.check(request, policy);
    if (outcome instanceof WebSocketHandshake.Refused refused) {
      refuse(request, refused);
      return;
    }
    WebSocketHandshake.Accepted accept = (WebSocketHandshake.Accepted) outcome;
    if (state.isDraining()) {
      refuse(request, new WebSocketHandshake.Refused(503, "draining", "server shutting down"));
      return;
    }
    if (!connections.tryOpen()) {
      refuse(request, new WebSocketHandshake.Refused(503, "limit", "connection limit of " + config.maxConnections() + " reached"));
      return;
    }
    engine.upgrade(request, accept, connections.nextId(), clientAddress.of(request), connectionLog.admit(System.nanoTime()),
            this::ended)
        .onSuccess(connection -> {
          accepted++;
          metrics.opened();
          sessions.add(connection);
        })
        .onFailure(failure -> {
          connections.closed();
          LOG.debug("upgrade failed: {}", failure.toString());
        });
  }

  private void ended(EchoConnection session) {
    if (sessions.remove(session)) {
      connections.closed();
    }
  }

  /** Starts the close of every open connection with the code, on this instance's event loop. */
  public void closeAll(int code, String reason) {
    context.runOnContext(v -> {
      for (EchoConnection session : sessions.toArray(new EchoConnection[0])) {
        session.close(code, reason);
      }
    });
  }

  private void refuse(HttpServerRequest request, WebSocketHandshake.Refused refused) {
    int status = refused.status();
    String reason = refused.reason();
    metrics.refused(refused.kind());
    if (connectionLog.admit(System.nanoTime())) {
      LOG.info("handshake from {} refused: {} {}", clientAddress.of(request), status, reason);
    }
    HttpServerResponse response = request.response().setStatusCode(status);
    if (status == 426) {
      response.putHeader(HttpHeaders.UPGRADE, "websocket").putHeader("Sec-WebSocket-Version", "13");
    }
    if (status == 405) {
      response.putHeader(HttpHeaders.ALLOW, "GET");
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=utf-8").end(reason + "\n");
  }
}
