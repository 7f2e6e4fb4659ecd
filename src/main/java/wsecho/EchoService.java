package wsecho;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.ClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wsecho.config.EchoConfig;
import wsecho.http.InfoHandler;
import wsecho.logging.ConnectionLog;
import wsecho.logging.EchoedBatch;
import wsecho.logging.EchoedBatchCodec;
import wsecho.logging.LoggingVerticle;
import wsecho.logging.MessageLog;
import wsecho.ops.EchoMetrics;
import wsecho.ops.OpsVerticle;
import wsecho.ops.ServiceState;
import wsecho.ws.BufferBudget;
import wsecho.ws.OpenConnections;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The wiring, in one place: the event-bus codecs, one {@link LoggingVerticle}, then the echo
 * instances sharing the port (each as the node's {@code roles} say), and the drain that shuts them down. Used by {@link Main} and by the
 * tests alike.
 */
public final class EchoService {

  private static final Logger LOG = LoggerFactory.getLogger(EchoService.class);

  /**
   * What every echo instance shares.
   *
   * @param cluster the cluster manager when {@code cluster.enabled}, else null
   */
  public record Shared(MessageLog messageLog, ConnectionLog connectionLog, OpenConnections connections, BufferBudget budget,
                       EchoMetrics metrics, ServiceState state, InfoHandler.Identity identity, ClusterManager cluster) {}

  /** A started service; {@code echoes} is empty on a node without the echo role. */
  public record Started(Vertx vertx, EchoConfig config, int port, int instances, List<MainVerticle> echoes,
                        Shared shared) {

    public MessageLog messageLog() {
      return shared.messageLog();
    }

    /**
     * Graceful shutdown: readiness fails and new handshakes get 503 at once; every open WebSocket
     * gets close 1001 after the echoes already due; completes when all have closed, or after
     * {@code shutdown.timeoutMs}.
     */
    public Future<Void> drain() {
      shared.state().drain();
      int open = shared.connections().open();
      LOG.info("draining: closing {} WebSocket connections with 1001", open);
      echoes.forEach(echo -> echo.endpoint().closeAll(1001, "server shutting down"));
      Promise<Void> drained = Promise.promise();
      long deadline = System.nanoTime() + config.shutdown().timeoutMs() * 1_000_000L;
      // Not setPeriodic(0, ...): with no initial delay, Vert.x 5.0.7 runs the handler before the
      // timer can be cancelled from it.
      vertx.setPeriodic(20, timer -> {
        int left = shared.connections().open();
        if (left == 0 || System.nanoTime() - deadline >= 0) {
          vertx.cancelTimer(timer);
          if (left > 0) {
            LOG.warn("drain timed out after {} ms with {} connections still open", config.shutdown().timeoutMs(), left);
          }
          shared.messageLog().reportDropped();
          shared.connectionLog().reportUnlogged();
          drained.complete();
        }
      });
      return drained.future();
    }
  }

  private EchoService() {}

  public static Future<Started> deploy(Vertx vertx, EchoConfig config) {
    return deploy(vertx, config, new EchoMetrics());
  }

  public static Future<Started> deploy(Vertx vertx, EchoConfig config, EchoMetrics metrics) {
    return deploy(vertx, config, metrics, null);
  }

  /**
   * Deploys what {@code roles} names: {@code logger}, the {@link LoggingVerticle}; {@code echo}, the
   * echo instances; a node without {@code echo} still serves health and metrics ({@link OpsVerticle}).
   *
   * @param cluster the cluster manager Vert.x was started with, or null
   */
  public static Future<Started> deploy(Vertx vertx, EchoConfig config, EchoMetrics metrics, ClusterManager cluster) {
    vertx.eventBus().registerDefaultCodec(EchoedBatch.class, new EchoedBatchCodec());
    OpenConnections connections = new OpenConnections(config.websocket().maxConnections());
    Shared shared = new Shared(new MessageLog(config), new ConnectionLog(config.log().maxConnectionsPerSecond()),
        connections, new BufferBudget(config.websocket().maxBufferedBytes()), metrics, new ServiceState(),
        InfoHandler.Identity.of(Main.vertxVersion()), cluster);
    metrics.gauge("wsecho.connections.open", "WebSocket connections open now", shared.connections()::open);
    metrics.gauge("wsecho.buffered.bytes", "Bytes held for clients now: echo write queues, inflater state",
        shared.budget()::held);
    metrics.gauge("wsecho.buffered.limit.bytes", "websocket.maxBufferedBytes", shared.budget()::limit);
    metrics.gauge("wsecho.connections.paused.budget", "Connections not read now because websocket.maxBufferedBytes is reached",
        shared.budget()::pausedNow);
    metrics.counter("wsecho.budget.pauses", "Times a connection stopped being read because websocket.maxBufferedBytes was reached",
        shared.budget()::pausesTotal);
    metrics.counter("wsecho.log.lines.dropped", "Message log lines dropped: over log.maxLinesPerSecond, or because the logger fell behind",
        shared.messageLog()::droppedTotal);
    metrics.counter("wsecho.log.connections.unlogged", "Connections left out of the service log by log.maxConnectionsPerSecond",
        shared.connectionLog()::unloggedTotal);
    if (cluster != null) {
      metrics.counter("wsecho.log.cluster.lines.sent", "Message log lines this node sent to the cluster's loggers",
          shared.messageLog()::clusterLinesSent);
      metrics.counter("wsecho.log.cluster.lines.received", "Message log lines this node's logger received from the cluster",
          shared.messageLog()::clusterLinesReceived);
      metrics.counter("wsecho.log.cluster.lines.unacknowledged",
          "Message log lines sent to the cluster that no logger acknowledged in time (also counted as dropped)",
          shared.messageLog()::clusterLinesUnacknowledged);
      metrics.gauge("wsecho.cluster.members", "Members of the cluster this node sees, itself included",
          () -> cluster.isActive() ? cluster.getNodes().size() : 0);
    }
    int instances = config.echoRole() ? config.effectiveInstances() : 0;
    List<MainVerticle> echoes = new CopyOnWriteArrayList<>();
    Future<?> logger = config.loggerRole()
        ? vertx.deployVerticle(new LoggingVerticle(shared.messageLog()), new DeploymentOptions()
            // one thread of its own: the same warm thread for every batch, not the next of a shared pool's
            .setThreadingModel(ThreadingModel.WORKER).setWorkerPoolName("wsecho-message-log").setWorkerPoolSize(1))
        : Future.succeededFuture();
    return logger.compose(logging -> {
      if (!config.echoRole()) {
        OpsVerticle ops = new OpsVerticle(config.http(), shared.state(), metrics, cluster);
        return vertx.deployVerticle(ops).map(id -> ops.actualPort());
      }
      // Lines are dropped, and connections left out of the log, on the echo side: reported there, once a second.
      vertx.setPeriodic(1000, t -> {
        shared.messageLog().reportDropped();
        shared.connectionLog().reportUnlogged();
      });
      return vertx.deployVerticle(() -> {
        MainVerticle echo = new MainVerticle(config, shared, echoes.size() + 1);
        echoes.add(echo);
        return echo;
      }, new DeploymentOptions().setInstances(instances)).map(id -> echoes.get(0).actualPort());
    }).map(port -> {
      shared.state().deployed();
      return new Started(vertx, config, port, instances, List.copyOf(echoes), shared);
    });
  }
}
