package wsecho.ws.conformance;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.BINARY;
import static wsecho.ws.conformance.RawClient.CLOSE;
import static wsecho.ws.conformance.RawClient.PING;
import static wsecho.ws.conformance.RawClient.TEXT;

/** RFC 6455 5.5.1 and 7, as in Autobahn|Testsuite section 7. */
class CloseConformanceTest extends ConformanceBase {

  @Override
  protected JsonObject config() {
    return new JsonObject().put("websocket", new JsonObject().put("closeTimeoutMs", 500));
  }

  @Test
  @DisplayName("7.1.1 a close is answered with a close, then the server closes TCP")
  void case7_1_1_closeIsAnsweredAndTcpClosed() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(CLOSE, RawClient.close(1000, "bye".getBytes(StandardCharsets.UTF_8)));
      assertClosedWith(client, 1000);
    }
  }

  @Test
  @DisplayName("7.3.1 an empty close is answered with 1000")
  void case7_3_1_emptyCloseGets1000() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(CLOSE, new byte[0]);
      assertClosedWith(client, 1000);
    }
  }

  @Test
  @DisplayName("7.3.2 a close with a 1-byte payload: 1002")
  void case7_3_2_oneByteClosePayload() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(CLOSE, new byte[] {0x03});
      assertClosedWith(client, 1002, "EOF");
    }
  }

  @Test
  @DisplayName("7.1.2-7.1.6 data and pings after the close are ignored")
  void case7_1_dataAfterCloseIsIgnored() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(CLOSE, RawClient.close(1000, new byte[0]));
      if (onVertx()) {
        // Vert.x closes TCP (fully) as soon as it has answered the close: a client still sending
        // after it may get a reset (broken pipe) instead of being ignored, which can also destroy the
        // close frame in its receive buffer. The strict engine half-closes and drains instead.
        try {
          client.sendText("after the close");
          client.send(PING, new byte[0]);
        } catch (java.net.SocketException reset) {
          assertThat(reset.getMessage()).containsAnyOf("Broken pipe", "reset");
          return;
        }
        assertThat(client.transcript(VERTX_QUIET_MS, false)).isIn("close 1000, EOF", "close 1000, reset", "reset");
        return;
      }
      // The strict engine closes TCP as soon as it has answered a close with nothing behind it in the
      // same read (websocket.lingeringClose auto): what is sent later is answered with a reset, which
      // comes after the close frame, so the client reads the close first. LingeringCloseTest has the
      // cases that linger.
      try {
        client.sendText("after the close");
        client.send(PING, new byte[0]);
      } catch (java.net.SocketException reset) {
        assertThat(reset.getMessage()).containsAnyOf("Broken pipe", "reset");
      }
      assertThat(client.transcript(VERTX_QUIET_MS, false)).isIn("close 1000, EOF", "close 1000, reset");
    }
  }

  @Test
  @DisplayName("7.1.2 two closes in one TCP write: one close back, the second is ignored")
  void case7_1_2_secondCloseInTheSameWriteIsIgnored() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.sendRaw(oneWrite(client, CLOSE, RawClient.close(1000, new byte[0]), CLOSE, RawClient.close(1001, new byte[0])));
      assertClosedWith(client, 1000);
    }
  }

  @ParameterizedTest(name = "7.1 opcode {0} after a close in the same TCP write gets nothing back")
  @ValueSource(ints = {PING, TEXT, BINARY})
  void case7_1_frameAfterCloseInTheSameWriteIsIgnored(int opcode) throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.sendRaw(oneWrite(client, CLOSE, RawClient.close(1000, new byte[0]), opcode, "after".getBytes(StandardCharsets.UTF_8)));
      assertClosedWith(client, 1000);
    }
  }

  /** Two masked frames as one TCP write, so that the server reads them together. */
  private static byte[] oneWrite(RawClient client, int firstOpcode, byte[] first, int secondOpcode, byte[] second) {
    byte[] a = client.encode(true, 0, firstOpcode, first, true);
    byte[] b = client.encode(true, 0, secondOpcode, second, true);
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  @ParameterizedTest(name = "7.7 valid close code {0} is echoed")
  @ValueSource(ints = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999})
  void case7_7_validCodesAreEchoed(int code) throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(CLOSE, RawClient.close(code, new byte[0]));
      assertClosedWith(client, code);
    }
  }

  @ParameterizedTest(name = "7.9 invalid close code {0}: 1002")
  @ValueSource(ints = {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
  void case7_9_invalidCodesAreAProtocolError(int code) throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(CLOSE, RawClient.close(code, new byte[0]));
      // Vert.x drops TCP for codes below 3000 it does not know, and echoes codes of 5000 and above.
      assertClosedWith(client, 1002, code >= 5000 ? "close " + code + ", EOF" : "EOF");
    }
  }

  @Test
  @DisplayName("7.5.1 a close reason that is not UTF-8: 1007")
  void case7_5_1_invalidUtf8Reason() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(CLOSE, RawClient.close(1000, HexFormat.of().parseHex("cebae1bdb9cf83cebcceb5eda080656469746564")));
      assertClosedWith(client, 1007, "EOF");
    }
  }

  @Test
  @DisplayName("7.3.6 a close with the longest reason (123 bytes) is answered")
  void case7_3_6_longestReason() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(CLOSE, RawClient.close(1000, "r".repeat(123).getBytes(StandardCharsets.UTF_8)));
      assertClosedWith(client, 1000);
    }
  }

  @Test
  @DisplayName("a peer that never answers the server's close is dropped after websocket.closeTimeoutMs")
  void peerThatNeverAnswersIsDroppedAfterTheCloseTimeout() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.sendText("hello");
      assertEchoes(client, TEXT, "hello".getBytes(StandardCharsets.UTF_8));
      long start = System.nanoTime();
      started.echoes().get(0).endpoint().closeAll(1001, "test shutdown");
      RawClient.Frame close = client.read();
      assertThat(close.opcode()).isEqualTo(CLOSE);
      assertThat(close.closeCode()).isEqualTo(1001);
      // The client does not answer: the server waits closeTimeoutMs (500 ms here), then drops TCP.
      assertThat(client.serverClosedTcp()).isTrue();
      long waitedMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(waitedMs).isBetween(400L, 5000L);
    }
  }
}
