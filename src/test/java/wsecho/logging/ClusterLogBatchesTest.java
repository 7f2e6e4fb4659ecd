package wsecho.logging;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import wsecho.TestService;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clustered message logging, within one process: the batch wire format, and the echo side's
 * acknowledgement bookkeeping (the same code runs when the logger is another node).
 */
@ExtendWith(VertxExtension.class)
class ClusterLogBatchesTest {

  private static final JsonObject CLUSTERED = new JsonObject()
      .put("cluster", new JsonObject().put("enabled", true).put("members", new JsonArray().add("127.0.0.1:5701")))
      .put("eventBus", new JsonObject().put("address", "test.cluster.lines"))
      .put("log", new JsonObject().put("queueCapacity", 5));

  @BeforeEach
  void codecs(Vertx vertx) {
    vertx.eventBus().registerDefaultCodec(EchoedBatch.class, new EchoedBatchCodec());
  }

  @Test
  void aBatchCrossesTheWireWithEveryFieldOfEveryLine() {
    EchoedBatch batch = new EchoedBatch(EchoedBatchCodec.VERSION, 42, "test.ack.\u00e9", List.of(
        new EchoedMessage(7, "10.1.2.3:40000", false, Buffer.buffer("h\u00e9llo \ud83d\ude00"), 11),
        new EchoedMessage(8, "[::1]:40001", true, Buffer.buffer(new byte[] {0, -1, 2}), 1_000_000),
        new EchoedMessage(9, "10.1.2.4:40002", false, Buffer.buffer(), 0)));
    Buffer wire = Buffer.buffer().appendString("prefix");
    new EchoedBatchCodec().encodeToWire(wire, batch);
    EchoedBatch decoded = new EchoedBatchCodec().decodeFromWire(6, wire);
    assertThat(decoded.readable()).isTrue();
    assertThat(decoded.id()).isEqualTo(42);
    assertThat(decoded.ackAddress()).isEqualTo("test.ack.\u00e9");
    assertThat(decoded.messages()).hasSize(3);
    for (int i = 0; i < 3; i++) {
      EchoedMessage sent = batch.messages().get(i);
      EchoedMessage got = decoded.messages().get(i);
      assertThat(got.connectionId()).isEqualTo(sent.connectionId());
      assertThat(got.remoteAddress()).isEqualTo(sent.remoteAddress());
      assertThat(got.isBinary()).isEqualTo(sent.isBinary());
      assertThat(got.size()).isEqualTo(sent.size());
      assertThat(got.preview().getBytes()).isEqualTo(sent.preview().getBytes());
    }
    assertThat(LoggingVerticle.format(decoded.messages().get(1), 256)).isEqualTo("[::1]:40001 sent: [binary 1000000 bytes] 00ff02");
  }

  @Test
  void aBatchInAnUnknownLaterVersionStillNamesWhereToAcknowledgeIt() {
    Buffer wire = Buffer.buffer().appendByte((byte) 2).appendLong(5).appendInt(5).appendString("a.ack")
        .appendString("whatever version 2 carries");
    EchoedBatch decoded = new EchoedBatchCodec().decodeFromWire(0, wire);
    assertThat(decoded.readable()).isFalse();
    assertThat(decoded.version()).isEqualTo(2);
    assertThat(decoded.id()).isEqualTo(5);
    assertThat(decoded.ackAddress()).isEqualTo("a.ack");
    assertThat(decoded.messages()).isEmpty();
  }

  @Test
  void aBatchCutShortOrWithLengthsThatDoNotFitDecodesAsMalformedWithoutThrowingOrAllocating() {
    EchoedBatch batch = new EchoedBatch(EchoedBatchCodec.VERSION, 3, "an.ack", List.of(
        new EchoedMessage(1, "10.0.0.1:1", false, Buffer.buffer("hello"), 5)));
    Buffer wire = Buffer.buffer();
    new EchoedBatchCodec().encodeToWire(wire, batch);
    int headerEnd = 1 + 8 + 4 + "an.ack".length();
    for (int cut = 0; cut < wire.length(); cut++) {
      EchoedBatch decoded = new EchoedBatchCodec().decodeFromWire(0, wire.getBuffer(0, cut));
      assertThat(decoded.malformed()).as("cut at " + cut).isTrue();
      assertThat(decoded.messages()).isEmpty();
      // Once the header is whole the logger can still acknowledge it.
      assertThat(decoded.ackAddress()).as("cut at " + cut).isEqualTo(cut >= headerEnd ? "an.ack" : null);
    }
    Buffer hugeCount = wire.getBuffer(0, headerEnd).appendInt(Integer.MAX_VALUE).appendBuffer(wire.getBuffer(headerEnd + 4, wire.length()));
    assertThat(new EchoedBatchCodec().decodeFromWire(0, hugeCount).malformed()).isTrue();
    Buffer negativeAck = Buffer.buffer().appendByte(EchoedBatchCodec.VERSION).appendLong(3).appendInt(-5).appendBuffer(wire);
    assertThat(new EchoedBatchCodec().decodeFromWire(0, negativeAck).malformed()).isTrue();
    Buffer negativePreview = wire.copy();
    negativePreview.setInt(wire.length() - 5 - 4, -1);
    assertThat(new EchoedBatchCodec().decodeFromWire(0, negativePreview).malformed()).isTrue();
    assertThat(new EchoedBatchCodec().decodeFromWire(0, wire).readable()).as("the whole batch still reads").isTrue();
  }

  @Test
  void aLoggerAcknowledgesEachBatchSoTheLinesStopCountingAgainstTheQueue(Vertx vertx, VertxTestContext context) {
    MessageLog log = new MessageLog(TestService.config(CLUSTERED));
    assertThat(log.clustered()).isTrue();
    vertx.deployVerticle(new LoggingVerticle(log), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
        .onComplete(context.succeeding(deployed -> vertx.runOnContext(v -> {
          MessageLog.Outbox outbox = log.outbox(vertx);
          // Three rounds of five: each needs the acknowledgement of the one before (capacity 5).
          publishRounds(vertx, context, log, outbox, 3);
        })));
  }

  private void publishRounds(Vertx vertx, VertxTestContext context, MessageLog log, MessageLog.Outbox outbox, int rounds) {
    if (rounds == 0) {
      context.verify(() -> {
        assertThat(log.clusterLinesSent()).isEqualTo(15);
        assertThat(log.clusterLinesReceived()).isEqualTo(15);
        assertThat(log.droppedTotal()).as("only the three sixth lines refused").isEqualTo(3);
        assertThat(log.clusterLinesUnacknowledged()).isZero();
      });
      context.completeNow();
      return;
    }
    for (int i = 0; i < 5; i++) {
      int line = i;
      context.verify(() -> assertThat(outbox.admit(System.nanoTime())).as("room for line " + line).isTrue());
      outbox.publish(new EchoedMessage(i, "127.0.0.1:5000", false, Buffer.buffer("line " + i), 6));
    }
    context.verify(() -> assertThat(outbox.admit(System.nanoTime())).as("the sixth waits for an acknowledgement").isFalse());
    long poll = vertx.setPeriodic(5, t -> {
      if (log.pending() == 0) {
        vertx.cancelTimer(t);
        publishRounds(vertx, context, log, outbox, rounds - 1);
      }
    });
    vertx.setTimer(4_000, t -> {
      if (vertx.cancelTimer(poll)) {
        context.failNow("not acknowledged within 4 s (pending " + log.pending() + ")");
      }
    });
  }

  @Test
  void batchesNoLoggerAcknowledgesAreGivenUpThenOneAtATimeIsSentUntilALoggerAnswers(Vertx vertx, VertxTestContext context) {
    MessageLog log = new MessageLog(TestService.config(CLUSTERED));
    vertx.runOnContext(v -> {
      MessageLog.Outbox outbox = log.outbox(vertx);
      for (int i = 0; i < 5; i++) {
        outbox.admit(System.nanoTime());
        outbox.publish(new EchoedMessage(i, "127.0.0.1:5000", false, Buffer.buffer("x"), 1));
      }
      outbox.flush();
      context.verify(() -> assertThat(outbox.admit(System.nanoTime())).as("queue full").isFalse());
      long start = System.nanoTime();
      vertx.setPeriodic(50, t -> {
        if (log.pending() > 0) {
          return;
        }
        vertx.cancelTimer(t);
        context.verify(() -> {
          long waitedMs = (System.nanoTime() - start) / 1_000_000;
          assertThat(waitedMs).isGreaterThanOrEqualTo(MessageLog.ACK_TIMEOUT_MS - 50);
          assertThat(log.clusterLinesUnacknowledged()).isEqualTo(5);
          assertThat(log.droppedTotal()).isEqualTo(6); // the five given up and the one refused
          assertThat(outbox.unanswered()).isTrue();
          // Nobody answers: one probe batch may go, and lines are refused while it is out.
          assertThat(outbox.admit(System.nanoTime())).as("a probe").isTrue();
        });
        outbox.publish(new EchoedMessage(9, "127.0.0.1:5000", false, Buffer.buffer("probe"), 5));
        outbox.flush();
        context.verify(() -> {
          assertThat(outbox.admit(System.nanoTime())).as("refused while the probe is out, though the queue has room").isFalse();
          assertThat(log.droppedTotal()).isEqualTo(7);
          assertThat(log.clusterLinesSent()).isEqualTo(6);
        });
        // A logger appears: the next probe is acknowledged and lines flow again.
        vertx.deployVerticle(new LoggingVerticle(log), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
            .onComplete(context.succeeding(deployed -> vertx.setPeriodic(50, t2 -> {
              if (!outbox.unanswered()) {
                vertx.cancelTimer(t2);
                context.verify(() -> {
                  for (int i = 0; i < 5; i++) {
                    assertThat(outbox.admit(System.nanoTime())).as("line " + i + " after the answer").isTrue();
                    outbox.publish(new EchoedMessage(i, "127.0.0.1:5000", false, Buffer.buffer("y"), 1));
                  }
                });
                context.completeNow();
              } else if (log.pending() == 0) {
                // the first probe went before the logger listened and timed out: send the next one
                if (outbox.admit(System.nanoTime())) {
                  outbox.publish(new EchoedMessage(10, "127.0.0.1:5000", false, Buffer.buffer("probe"), 5));
                  outbox.flush();
                }
              }
            })));
      });
    });
  }

  @Test
  void aLoggerAcknowledgesABatchItCannotReadAndPrintsNothing(Vertx vertx, VertxTestContext context) {
    MessageLog log = new MessageLog(TestService.config(CLUSTERED));
    vertx.eventBus().<Long>consumer("test.ack.unreadable", ack -> {
      context.verify(() -> {
        assertThat(ack.body()).isEqualTo(77L);
        assertThat(log.clusterLinesReceived()).isZero();
      });
      context.completeNow();
    }).completion()
        .compose(ready -> vertx.deployVerticle(new LoggingVerticle(log), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)))
        .onComplete(context.succeeding(deployed ->
            vertx.eventBus().publish(log.address(), new EchoedBatch(9, 77, "test.ack.unreadable", List.of()))));
  }
}
