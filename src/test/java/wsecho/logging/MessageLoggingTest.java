package wsecho.logging;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import wsecho.TestService;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class MessageLoggingTest {

  /** A field, not a local: Vert.x closes a client that is garbage collected. */
  private WebSocketClient client;

  @Test
  void publishesEveryEchoedMessageOnTheConfiguredAddress(Vertx vertx, VertxTestContext context) {
    int messages = 500;
    Set<String> seen = ConcurrentHashMap.newKeySet();
    Checkpoint published = context.checkpoint(messages);
    client = TestService.client(vertx);
    JsonObject config = new JsonObject().put("eventBus", new JsonObject().put("address", "test.echoes"));
    TestService.start(vertx, config).onComplete(context.succeeding(started -> {
      vertx.eventBus().<EchoedMessage>localConsumer("test.echoes", message -> {
        EchoedMessage body = message.body();
        String text = body.preview().toString();
        context.verify(() -> assertThat(seen.add(text)).as("published once: " + text).isTrue());
        published.flag();
      }).completion().compose(ready -> client.connect(started.port(), "127.0.0.1", "/ws/echo"))
          .onComplete(context.succeeding(ws -> {
            for (int i = 0; i < messages; i++) {
              ws.writeTextMessage("message " + i);
            }
          }));
    }));
  }

  @Test
  void theLoggingVerticleHandlesEveryMessage(Vertx vertx, VertxTestContext context) {
    // The logger's pending count returns to zero only once it has handled all that was published.
    client = TestService.client(vertx);
    TestService.start(vertx).onComplete(context.succeeding(started ->
        client.connect(started.port(), "127.0.0.1", "/ws/echo").onComplete(context.succeeding(ws -> {
          Set<Integer> echoed = new HashSet<>();
          ws.binaryMessageHandler(buffer -> {
            echoed.add(buffer.getInt(0));
            if (echoed.size() == 300) {
              vertx.setPeriodic(20, timer -> {
                if (started.messageLog().pending() == 0) {
                  vertx.cancelTimer(timer);
                  context.completeNow();
                }
              });
            }
          });
          for (int i = 0; i < 300; i++) {
            ws.writeBinaryMessage(Buffer.buffer().appendInt(i));
          }
        }))));
  }

  @Test
  void sendsNothingToTheBusWhenMessageLoggingIsOff(Vertx vertx, VertxTestContext context) {
    client = TestService.client(vertx);
    JsonObject config = new JsonObject().put("log", new JsonObject().put("messages", false));
    TestService.start(vertx, config).onComplete(context.succeeding(started -> {
      vertx.eventBus().localConsumer("ws.echo.messages", message -> context.failNow("published although log.messages is false"));
      client.connect(started.port(), "127.0.0.1", "/ws/echo").onComplete(context.succeeding(ws -> {
        ws.textMessageHandler(echoed -> vertx.setTimer(200, t -> context.completeNow()));
        ws.writeTextMessage("not logged");
      }));
    }));
  }
}
