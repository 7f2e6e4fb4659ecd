package wsecho.ws.conformance;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.BINARY;
import static wsecho.ws.conformance.RawClient.CONTINUATION;
import static wsecho.ws.conformance.RawClient.TEXT;

/** Size limits (Autobahn 9.x) and permessage-deflate, RFC 7692 (Autobahn 12.x and 13.x). */
class LimitsAndCompressionConformanceTest extends ConformanceBase {

  private static final int LIMIT = 64 * 1024;

  @Override
  protected JsonObject config() {
    return new JsonObject().put("websocket", new JsonObject().put("maxFrameSize", LIMIT).put("maxMessageSize", LIMIT));
  }

  private static byte[] random(int length, boolean text) {
    byte[] bytes = new byte[length];
    Random random = new Random(length);
    for (int i = 0; i < length; i++) {
      bytes[i] = text ? (byte) ('a' + random.nextInt(8)) : (byte) random.nextInt(256);
    }
    return bytes;
  }

  /**
   * The strict engine echoes compressed messages uncompressed; Vert.x compresses its echo (RSV1),
   * with context takeover, so on Vert.x the echo is inflated with the connection's inflater.
   */
  private void assertEchoesAsSent(RawClient client, int opcode, byte[] payload, java.util.zip.Inflater inflater)
      throws Exception {
    RawClient.Frame echoed = client.readMessageInflating(inflater);
    assertThat(echoed.opcode()).isEqualTo(opcode);
    assertThat(echoed.rsv()).as("RSV1: a compressed echo").isEqualTo(onVertx() ? 4 : 0);
    assertThat(echoed.payload()).isEqualTo(payload);
  }

  private RawClient openWithDeflate(String offer) throws Exception {
    RawClient client = RawClient.handshake(port, Map.of("Sec-WebSocket-Extensions", offer));
    assertThat(client.response().status()).isEqualTo(101);
    return client;
  }

  // ---- limits ----------------------------------------------------------------------------------

  @Test
  @DisplayName("a message of exactly the limit echoes")
  void messageOfExactlyTheLimitEchoes() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] payload = random(LIMIT, false);
      client.send(BINARY, payload);
      assertEchoes(client, BINARY, payload);
    }
  }

  @Test
  @DisplayName("a frame over maxFrameSize: 1009, refused from its header")
  void frameOverTheLimitIs1009() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      // Only the header is sent: the server must not wait for (or buffer) the payload.
      byte[] frame = client.encode(true, 0, BINARY, new byte[LIMIT + 1], true);
      client.sendRaw(Arrays.copyOf(frame, 14));
      assertClosedWith(client, 1009, "EOF");
    }
  }

  @Test
  @DisplayName("a fragmented message that grows over maxMessageSize: 1009")
  void fragmentedMessageOverTheLimitIs1009() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(false, 0, TEXT, random(LIMIT / 2, true), true);
      client.send(false, 0, CONTINUATION, random(LIMIT / 2, true), true);
      client.send(true, 0, CONTINUATION, random(1, true), true);
      if (onVertx()) {
        assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo("open"); // the overflow goes to the exception handler only
        return;
      }
      RawClient.Frame frame;
      do {
        frame = client.read();
      } while (frame.opcode() != RawClient.CLOSE);
      assertThat(frame.closeCode()).isEqualTo(1009);
      assertThat(client.serverClosedTcp()).isTrue();
    }
  }

  // ---- permessage-deflate ----------------------------------------------------------------------

  @Test
  @DisplayName("12.x permessage-deflate is negotiated, honouring the offer's parameters")
  void deflateIsNegotiatedWithItsParameters() throws Exception {
    if (onVertx()) {
      java.util.List<String> answers = new java.util.ArrayList<>();
      for (String offer : java.util.List.of("permessage-deflate; client_max_window_bits",
          "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_no_context_takeover",
          "permessage-deflate; server_max_window_bits=99, permessage-deflate", "permessage-deflate; unknown_param")) {
        try (RawClient client = RawClient.handshake(port, Map.of("Sec-WebSocket-Extensions", offer))) {
          answers.add(client.response().status() + " " + client.response().header("Sec-WebSocket-Extensions"));
        }
      }
      assertThat(answers).as("what Vert.x 5.0.7 answers").containsExactly(
          "101 permessage-deflate", "101 null", // refuses an offer with server_no_context_takeover
          "101 permessage-deflate", "101 null");
      return;
    }
    try (RawClient client = openWithDeflate("permessage-deflate; client_max_window_bits")) {
      assertThat(client.response().header("Sec-WebSocket-Extensions")).isEqualTo("permessage-deflate");
    }
    try (RawClient client = openWithDeflate(
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_no_context_takeover")) {
      assertThat(client.response().header("Sec-WebSocket-Extensions"))
          .isEqualTo("permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_no_context_takeover");
    }
    // An invalid first offer is passed over for the next valid one.
    try (RawClient client = openWithDeflate("permessage-deflate; server_max_window_bits=99, permessage-deflate")) {
      assertThat(client.response().header("Sec-WebSocket-Extensions")).isEqualTo("permessage-deflate");
    }
    try (RawClient client = openWithDeflate("permessage-deflate; unknown_param")) {
      assertThat(client.response().header("Sec-WebSocket-Extensions")).isNull();
    }
  }

  @ParameterizedTest(name = "12.x/13.x compressed messages of {0} bytes echo, text and binary, with context takeover")
  @ValueSource(ints = {0, 16, 64, 1000, 4096, 32768, LIMIT - 512})
  void compressedMessagesEcho(int size) throws Exception {
    try (RawClient client = openWithDeflate("permessage-deflate")) {
      Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
      java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
      for (int round = 0; round < 3; round++) { // the same deflater: later messages refer to earlier ones
        byte[] text = random(size, true);
        client.send(true, 4, TEXT, RawClient.compress(deflater, text), true);
        assertEchoesAsSent(client, TEXT, text, inflater);
        byte[] binary = random(size, false);
        client.send(true, 4, BINARY, RawClient.compress(deflater, binary), true);
        assertEchoesAsSent(client, BINARY, binary, inflater);
      }
    }
  }

  @Test
  @DisplayName("13.x a compressed message split into fragments echoes whole")
  void fragmentedCompressedMessageEchoes() throws Exception {
    try (RawClient client = openWithDeflate("permessage-deflate; client_no_context_takeover")) {
      byte[] text = "compressed and fragmented ".repeat(200).getBytes(StandardCharsets.UTF_8);
      byte[] compressed = RawClient.compress(new Deflater(Deflater.BEST_COMPRESSION, true), text);
      int half = compressed.length / 2;
      client.send(false, 4, TEXT, Arrays.copyOfRange(compressed, 0, half), true);
      client.send(true, 0, CONTINUATION, Arrays.copyOfRange(compressed, half, compressed.length), true);
      assertEchoesAsSent(client, TEXT, text, new java.util.zip.Inflater(true));
    }
  }

  @Test
  @DisplayName("a small compressed bomb that inflates past maxMessageSize: 1009")
  void compressedBombIs1009() throws Exception {
    try (RawClient client = openWithDeflate("permessage-deflate")) {
      byte[] bomb = RawClient.compress(new Deflater(Deflater.BEST_COMPRESSION, true), new byte[16 * 1024 * 1024]);
      assertThat(bomb.length).isLessThan(LIMIT);
      client.send(true, 4, BINARY, bomb, true);
      assertClosedWith(client, 1009, "open"); // Vert.x reports the overflow to the exception handler and goes on
    }
  }

  @Test
  @DisplayName("invalid UTF-8 inside a compressed text message: 1007")
  void compressedInvalidUtf8Is1007() throws Exception {
    try (RawClient client = openWithDeflate("permessage-deflate")) {
      client.send(true, 4, TEXT, RawClient.compress(new Deflater(Deflater.DEFAULT_COMPRESSION, true), new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}), true);
      assertClosedWith(client, 1007, "text 5 rsv4, open"); // echoed, compressed, U+FFFD in place of the bad bytes
    }
  }

  @Test
  @DisplayName("RSV1 without negotiated compression: 1002")
  void compressedFrameWithoutNegotiationIs1002() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(true, 4, TEXT, RawClient.compress(new Deflater(Deflater.DEFAULT_COMPRESSION, true), "x".getBytes(StandardCharsets.UTF_8)), true);
      assertClosedWith(client, 1002, "text 5, open"); // echoed: Vert.x inflates it although nothing was negotiated
    }
  }
}
