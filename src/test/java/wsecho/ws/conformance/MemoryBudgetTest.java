package wsecho.ws.conformance;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import wsecho.ws.BufferBudget;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.BINARY;
import static wsecho.ws.conformance.RawClient.PING;
import static wsecho.ws.conformance.RawClient.TEXT;

/** websocket.maxBufferedBytes: past it, the connections holding the most stop being read; others go on. */
class MemoryBudgetTest extends ConformanceBase {

  private static final int BUDGET = 1024 * 1024;
  private static final int SLOW_READERS = 24;
  private static final int MESSAGE = 256 * 1024;
  private static final int MESSAGES = 12; // 3 MiB each: more than the kernel's socket buffers take

  @Override
  protected JsonObject config() {
    return new JsonObject().put("websocket", new JsonObject().put("maxBufferedBytes", BUDGET)
        .put("maxMessageSize", 16 * 1024 * 1024));
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  @Test
  @DisplayName("slow readers past the budget stop being read, others are echoed, and all resume and finish once they read")
  void slowReadersPastTheBudgetArePausedAndResume() throws Exception {
    BufferBudget budget = started.shared().budget();
    byte[] payload = new byte[MESSAGE];
    new Random(3).nextBytes(payload);
    List<RawClient> slow = new ArrayList<>();
    List<Thread> writers = new ArrayList<>();
    long maxHeld = 0;
    try (RawClient ordinary = RawClient.open(port)) {
      for (int i = 0; i < SLOW_READERS; i++) {
        RawClient client = RawClient.openSlowReader(port, 4096);
        slow.add(client);
        byte[] frame = client.encode(true, 0, BINARY, payload, true);
        Thread writer = new Thread(() -> {
          try {
            for (int m = 0; m < MESSAGES; m++) {
              client.sendRaw(frame); // blocks once the server stops reading this client
            }
          } catch (IOException e) {
            // closed at the end of the test
          }
        });
        writer.setDaemon(true);
        writer.start();
        writers.add(writer);
      }
      awaitTrue(() -> budget.pausesTotal() > 0, 5000);
      assertThat(budget.pausesTotal()).as("connections paused by the budget").isPositive();
      for (int i = 0; i < 50; i++) {
        maxHeld = Math.max(maxHeld, budget.held());
        Thread.sleep(10);
      }
      // Each slow reader alone may queue 64 KiB (the write queue's high-water mark) plus a read before
      // back-pressure stops it: 24 of them would hold about 3 MiB without the budget.
      assertThat(maxHeld).as("bytes held with a budget of %d", BUDGET).isLessThanOrEqualTo(BUDGET);
      System.out.printf("memory budget %d KiB, %d slow readers: at most %d KiB held, %d paused now, %d pauses%n",
          BUDGET >> 10, SLOW_READERS, maxHeld >> 10, budget.pausedNow(), budget.pausesTotal());

      // Meanwhile an ordinary client is served.
      for (int i = 0; i < 20; i++) {
        assertTextEchoed(ordinary, "ordinary " + i);
      }

      // The slow readers read now: every paused connection resumes and every echo arrives whole.
      for (RawClient client : slow) {
        for (int m = 0; m < MESSAGES; m++) {
          RawClient.Frame echo = client.readMessage();
          assertThat(echo).isNotNull();
          assertThat(echo.opcode()).isEqualTo(BINARY);
          assertThat(echo.payload()).isEqualTo(payload);
        }
      }
      for (Thread writer : writers) {
        writer.join(5000);
      }
      awaitTrue(() -> budget.pausedNow() == 0, 3000);
      assertThat(budget.pausedNow()).as("paused after every echo was read").isZero();
    } finally {
      for (RawClient client : slow) {
        client.close();
      }
    }
    // Every byte accounted for comes back out of the budget when the connections close.
    awaitTrue(() -> budget.held() == 0, 3000);
    assertThat(budget.held()).isZero();
  }

  @Test
  @DisplayName("a compressed message that inflates far past the budget waits half inflated and is echoed whole as the client reads")
  void compressedBombWaitsForTheBudget() throws Exception {
    BufferBudget budget = started.shared().budget();
    byte[] text = "inflates a thousandfold ".repeat(12 * 1024 * 1024 / 24).getBytes(StandardCharsets.UTF_8); // 12 MiB
    byte[] compressed = RawClient.compress(new Deflater(Deflater.BEST_COMPRESSION, true), text);
    assertThat(compressed.length).isLessThan(BUDGET / 16);
    long maxHeld = 0;
    try (RawClient bomb = RawClient.openSlowReader(port, 4096, Map.of("Sec-WebSocket-Extensions", "permessage-deflate"));
         RawClient ordinary = RawClient.open(port)) {
      bomb.send(true, 4, TEXT, compressed, true);
      awaitTrue(() -> budget.pausedNow() > 0, 5000);
      assertThat(budget.pausedNow()).as("the inflating connection waits for the budget").isPositive();
      for (int i = 0; i < 50; i++) {
        maxHeld = Math.max(maxHeld, budget.held());
        assertTextEchoed(ordinary, "meanwhile " + i);
        Thread.sleep(10);
      }
      assertThat(maxHeld).as("bytes held with a budget of %d", BUDGET).isLessThanOrEqualTo(BUDGET);

      // Reading it lets the inflation go on, and the echo arrives whole, in fragments.
      bomb.timeout(60_000);
      RawClient.Frame echo = bomb.readMessageBetweenPings();
      assertThat(echo.opcode()).isEqualTo(TEXT);
      assertThat(echo.payload()).isEqualTo(text);
      bomb.sendText("after the bomb");
      assertEchoes(bomb, TEXT, "after the bomb".getBytes(StandardCharsets.UTF_8));
    }
    System.out.printf("memory budget %d KiB, a %d KiB compressed message of %d MiB: at most %d KiB held%n",
        BUDGET >> 10, compressed.length >> 10, text.length >> 20, maxHeld >> 10);
    awaitTrue(() -> budget.held() == 0, 3000);
    assertThat(budget.held()).isZero();
  }

  @Test
  @DisplayName("connections that close in the middle of a frame give back everything they held")
  void connectionsClosingMidFrameGiveEverythingBack() throws Exception {
    BufferBudget budget = started.shared().budget();
    byte[] text = "x".repeat(100_000).getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 200; i++) {
      RawClient client = RawClient.open(port);
      byte[] frame = client.encode(true, 0, TEXT, text, true);
      // The header and a part of the payload, then the close in the same breath: the server's last
      // read of it holds a checked piece when the connection goes away.
      client.sendRaw(java.util.Arrays.copyOf(frame, 14 + 1000 + i * 100));
      client.close();
    }
    awaitTrue(() -> budget.held() == 0, 5000);
    assertThat(budget.held()).as("bytes still counted after every connection closed").isZero();
  }
}
