package wsecho.logging;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import wsecho.TestService;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

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
      vertx.eventBus().<EchoedBatch>localConsumer("test.echoes", message -> {
        for (EchoedMessage line : message.body().messages()) {
          String text = line.preview().toString();
          context.verify(() -> assertThat(seen.add(text)).as("published once: " + text).isTrue());
          published.flag();
        }
      }).completion().compose(ready -> client.connect(started.port(), "127.0.0.1", "/ws/echo"))
          .onComplete(context.succeeding(ws -> {
            for (int i = 0; i < messages; i++) {
              ws.writeTextMessage("message " + i);
            }
          }));
    }));
  }

  @Test
  void anEchoInstancePublishesItsMessagesInOneBatchOnceTheFlushIntervalHasPassed(Vertx vertx, VertxTestContext context) {
    MessageLog log = new MessageLog(TestService.config(new JsonObject()));
    List<List<Long>> received = new CopyOnWriteArrayList<>();
    long[] publishedAt = new long[1];
    onBatch(vertx, log, received, message -> {
      context.verify(() -> {
        assertThat(received).containsExactly(List.of(1L, 2L, 3L));
        assertThat(message.body().ackAddress()).as("no acknowledgement within the process").isNull();
        assertThat(System.nanoTime() - publishedAt[0]).isGreaterThanOrEqualTo(MessageLog.OUTBOX_FLUSH_MS * 1_000_000);
      });
      // A second batch arriving within this time would fail the test above.
      vertx.setTimer(3 * MessageLog.OUTBOX_FLUSH_MS, t -> context.completeNow());
    }).onComplete(context.succeeding(ready -> vertx.runOnContext(v -> {
      publishedAt[0] = System.nanoTime();
      publish(context, log.outbox(vertx), 3);
      // A timer due before the flush interval fires first: nothing may have left yet.
      vertx.setTimer(1, t -> context.verify(() -> assertThat(received).isEmpty()));
    })));
  }

  @Test
  void anEchoInstancePublishesAtOnceWhenAQuarterOfTheQueueCapacityIsWaiting(Vertx vertx, VertxTestContext context) {
    // log.queueCapacity 8: a full batch is two lines, published without waiting for the interval;
    // the fifth line is alone and waits for it.
    MessageLog log = new MessageLog(TestService.config(new JsonObject().put("log", new JsonObject().put("queueCapacity", 8))));
    List<List<Long>> received = new CopyOnWriteArrayList<>();
    long[] publishedAt = new long[1];
    onBatch(vertx, log, received, message -> context.verify(() -> {
      if (received.size() < 3) {
        assertThat(System.nanoTime() - publishedAt[0])
            .as("published before the flush interval").isLessThan(MessageLog.OUTBOX_FLUSH_MS * 1_000_000);
      } else {
        assertThat(received).containsExactly(List.of(1L, 2L), List.of(3L, 4L), List.of(5L));
        context.completeNow();
      }
    })).onComplete(context.succeeding(ready -> vertx.runOnContext(v -> {
      publishedAt[0] = System.nanoTime();
      publish(context, log.outbox(vertx), 5);
    })));
  }

  /** Records the connection ids of each batch published on the log's address, then hands the batch on. */
  private static Future<Void> onBatch(Vertx vertx, MessageLog log, List<List<Long>> received,
                                      Handler<Message<EchoedBatch>> then) {
    vertx.eventBus().registerDefaultCodec(EchoedBatch.class, new EchoedBatchCodec());
    return vertx.eventBus().<EchoedBatch>localConsumer(log.address(), message -> {
      received.add(message.body().messages().stream().map(EchoedMessage::connectionId).toList());
      then.handle(message);
    }).completion();
  }

  /** Admits and publishes one line for each of the connection ids 1 to {@code count}. */
  private static void publish(VertxTestContext context, MessageLog.Outbox outbox, int count) {
    for (long id = 1; id <= count; id++) {
      context.verify(() -> assertThat(outbox.admit(System.nanoTime())).isTrue());
      outbox.publish(new EchoedMessage(id, "127.0.0.1:5000", false, Buffer.buffer("m"), 1));
    }
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
        ws.textMessageHandler(echoed -> vertx.setTimer(3 * MessageLog.OUTBOX_FLUSH_MS, t -> context.completeNow()));
        ws.writeTextMessage("not logged");
      }));
    }));
  }
}
