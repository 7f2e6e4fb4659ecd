package wsecho.ws.conformance;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.PING;
import static wsecho.ws.conformance.RawClient.PONG;
import static wsecho.ws.conformance.RawClient.TEXT;

/** Pings, the idle timeout, the rate limit, and back-pressure against a client that does not read. */
class LivenessConformanceTest extends ConformanceBase {

  @Override
  protected JsonObject config() {
    return new JsonObject().put("websocket", new JsonObject()
        .put("pingIntervalMs", 200)
        .put("idleTimeoutMs", 1000)
        .put("closeTimeoutMs", 500)
        .put("maxMessagesPerSecond", 50)
        .put("frameTimeoutMs", 600));
  }

  @Test
  @DisplayName("a text frame still trickling in websocket.frameTimeoutMs after its header gets 1008, idle timeout or not")
  void aFrameThatNeverFinishesIsRefusedWith1008() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] frame = client.encode(true, 0, TEXT, "x".repeat(1000).getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
      long start = System.nanoTime();
      client.sendRaw(java.util.Arrays.copyOfRange(frame, 0, 100)); // the header and the first bytes
      if (onVertx()) {
        // Vert.x shows no frame before it ends: no fragments come back, and the service's idle timeout
        // (no whole frame for websocket.idleTimeoutMs) ends the connection instead of the frame timeout.
        for (int sent = 100; sent < 160; sent += 10) {
          Thread.sleep(150);
          client.sendRaw(java.util.Arrays.copyOfRange(frame, sent, sent + 10));
        }
        // Vert.x closes TCP a whole second (its closing timeout, in seconds) after its close frame.
        assertThat(client.transcript(3000, false)).as("what Vert.x 5.0.7 does here").isEqualTo("close 1001, EOF");
        return;
      }
      // A few bytes every 150 ms: never idle for websocket.idleTimeoutMs (1000 ms), never finished.
      try {
        for (int sent = 100; sent < 160; sent += 10) {
          Thread.sleep(150);
          client.sendRaw(java.util.Arrays.copyOfRange(frame, sent, sent + 10));
        }
      } catch (java.io.IOException closedMeanwhile) {
        // the server may have closed its side already: what it sent is read below
      }
      // What arrived of the frame came back as it arrived, as unfinished fragments; then the 1008.
      StringBuilder echoed = new StringBuilder();
      RawClient.Frame answer;
      while (true) {
        answer = client.read();
        if (answer == null || (answer.opcode() != PING && answer.opcode() != TEXT && answer.opcode() != RawClient.CONTINUATION)) {
          break;
        }
        if (answer.opcode() != PING) {
          assertThat(answer.fin()).isFalse();
          echoed.append(new String(answer.payload(), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
      assertThat(answer).isNotNull();
      assertThat(answer.opcode()).isEqualTo(RawClient.CLOSE);
      assertThat(answer.closeCode()).isEqualTo(1008);
      assertThat(echoed.toString()).matches("x{50,}");
      assertThat(client.serverClosedTcp()).isTrue();
      assertEndedByTheFrameTimeout(start);
    }
  }

  @Test
  @DisplayName("a binary frame stalled past websocket.frameTimeoutMs, its echo half written: TCP dropped, no close frame inside it")
  void aStalledBinaryFrameWhoseEchoHasStartedIsDropped() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] frame = client.encode(true, 0, RawClient.BINARY, new byte[10_000], true);
      long start = System.nanoTime();
      client.sendRaw(java.util.Arrays.copyOfRange(frame, 0, 1008)); // 8-byte header, then 1000 of 10,000 bytes
      if (onVertx()) {
        // No echo starts before the frame ends; the idle timeout closes it cleanly.
        assertThat(client.transcript(3000, false)).as("what Vert.x 5.0.7 does here").isEqualTo("close 1001, EOF");
        return;
      }
      // The echo's header and first 1000 bytes come back at once; the rest never can.
      org.assertj.core.api.Assertions.assertThatThrownBy(client::read)
          .isInstanceOf(java.io.EOFException.class).hasMessageContaining("inside a frame");
      assertEndedByTheFrameTimeout(start);
    }
  }

  /** websocket.frameTimeoutMs is 600 ms here: not before it, and well within 4x of it. */
  private static void assertEndedByTheFrameTimeout(long startNanos) {
    long waitedMs = (System.nanoTime() - startNanos) / 1_000_000;
    assertThat(waitedMs).as("ended after the frame timeout, before 4x of it").isBetween(600L, 2400L);
  }

  @Test
  @DisplayName("the server pings every websocket.pingIntervalMs; answering keeps the connection open")
  void serverPingsAndAPongKeepsTheConnectionAlive() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      long start = System.nanoTime();
      int pings = 0;
      while (System.nanoTime() - start < 2_000_000_000L) { // twice the idle timeout
        RawClient.Frame frame = client.read();
        assertThat(frame.opcode()).isEqualTo(PING);
        client.send(PONG, frame.payload());
        pings++;
      }
      assertThat(pings).isBetween(5, 15);
      client.sendText("still open");
      RawClient.Frame echoed;
      do {
        echoed = client.read();
      } while (echoed.opcode() == PING);
      assertThat(echoed.text()).isEqualTo("still open");
    }
  }

  @Test
  @DisplayName("a connection with no traffic and no pong for websocket.idleTimeoutMs is closed with 1001")
  void silentConnectionIsClosedWith1001() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      long start = System.nanoTime();
      RawClient.Frame frame;
      do {
        frame = client.read(); // pings, unanswered
      } while (frame.opcode() == PING);
      long waitedMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(frame.opcode()).isEqualTo(RawClient.CLOSE);
      assertThat(frame.closeCode()).isEqualTo(1001);
      assertThat(waitedMs).isBetween(900L, 3000L);
      client.send(RawClient.CLOSE, RawClient.close(1001, new byte[0]));
      assertThat(client.serverClosedTcp()).isTrue();
    }
  }

  @Test
  @DisplayName("past websocket.maxMessagesPerSecond: 1008, after the accepted messages were echoed")
  void rateLimitClosesWith1008() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      for (int i = 0; i < 60; i++) {
        client.sendText("m" + i);
      }
      int echoed = 0;
      RawClient.Frame frame;
      while ((frame = client.read()).opcode() != RawClient.CLOSE) {
        if (frame.opcode() == TEXT) {
          assertThat(frame.text()).isEqualTo("m" + echoed);
          echoed++;
        }
      }
      assertThat(echoed).isEqualTo(50);
      assertThat(frame.closeCode()).isEqualTo(1008);
    }
  }
}
