package wsecho.ws;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import wsecho.MainVerticle;
import wsecho.TestService;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class InstancesTest {

  /** A field, not a local: Vert.x closes a client that is garbage collected. */
  private WebSocketClient client;

  @Test
  void twoInstancesOnOnePortBothServeConnections(Vertx vertx, VertxTestContext context) {
    client = TestService.client(vertx);
    TestService.start(vertx, new JsonObject().put("instances", 2))
        .compose(started -> {
          List<Future<String>> echoes = new ArrayList<>();
          for (int i = 0; i < 8; i++) {
            String message = "instance check " + i;
            echoes.add(client.connect(started.port(), "127.0.0.1", "/ws/echo").compose(ws -> echo(ws, message)));
          }
          return Future.all(echoes).map(all -> {
            context.verify(() -> {
              assertThat(started.echoes()).hasSize(2);
              for (int i = 0; i < 8; i++) {
                assertThat(all.<String>resultAt(i)).isEqualTo("instance check " + i);
              }
              // Vert.x hands connections to the instances in turn: both must have taken some.
              assertThat(started.echoes()).allSatisfy(echo -> assertThat(echo.connectionsAccepted()).isPositive());
              assertThat(started.echoes().stream().mapToLong(MainVerticle::connectionsAccepted).sum()).isEqualTo(8);
            });
            return all;
          });
        })
        .onComplete(context.succeedingThenComplete());
  }

  private static Future<String> echo(WebSocket ws, String message) {
    io.vertx.core.Promise<String> echoed = io.vertx.core.Promise.promise();
    ws.textMessageHandler(echoed::tryComplete);
    ws.writeTextMessage(message);
    return echoed.future();
  }
}
