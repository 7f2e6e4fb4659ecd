package wsecho;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import wsecho.config.EchoConfig;
import wsecho.logging.EchoedMessage;
import wsecho.logging.EchoedMessageCodec;
import wsecho.logging.LoggingVerticle;
import wsecho.logging.MessageLog;
import wsecho.ws.OpenConnections;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The wiring, in one place: the event-bus codec, one {@link LoggingVerticle}, then the echo
 * instances sharing the port. Used by {@link Main} and by the tests alike.
 */
public final class EchoService {

  /** What a started service tells its caller. */
  public record Started(int port, int instances, List<MainVerticle> echoes, MessageLog messageLog) {}

  private EchoService() {}

  public static Future<Started> deploy(Vertx vertx, EchoConfig config) {
    vertx.eventBus().registerDefaultCodec(EchoedMessage.class, new EchoedMessageCodec());
    MessageLog messageLog = new MessageLog(config);
    OpenConnections connections = new OpenConnections(config.websocket().maxConnections());
    int instances = config.effectiveInstances();
    List<MainVerticle> echoes = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(new LoggingVerticle(messageLog),
            new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
        .compose(logging -> vertx.deployVerticle(() -> {
          MainVerticle echo = new MainVerticle(config, messageLog, connections);
          echoes.add(echo);
          return echo;
        }, new DeploymentOptions().setInstances(instances)))
        .map(echo -> new Started(echoes.get(0).actualPort(), instances, List.copyOf(echoes), messageLog));
  }
}
