package wsecho.ws.conformance;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.BINARY;
import static wsecho.ws.conformance.RawClient.CONTINUATION;
import static wsecho.ws.conformance.RawClient.PING;
import static wsecho.ws.conformance.RawClient.PONG;
import static wsecho.ws.conformance.RawClient.TEXT;

/** RFC 6455 section 5, in the order of Autobahn|Testsuite sections 1 to 5. */
class FramingConformanceTest extends ConformanceBase {

  private static byte[] bytes(int length, int seed) {
    byte[] payload = new byte[length];
    for (int i = 0; i < length; i++) {
      payload[i] = (byte) ('a' + (i * 7 + seed) % 26);
    }
    return payload;
  }

  @ParameterizedTest(name = "1.1 text of {0} bytes echoes as text")
  @ValueSource(ints = {0, 125, 126, 127, 128, 65535, 65536, 1 << 20})
  void case1_1_textOfEveryLengthEncodingEchoes(int length) throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] payload = bytes(length, 1);
      client.send(TEXT, payload);
      assertEchoes(client, TEXT, payload);
    }
  }

  @ParameterizedTest(name = "1.2 binary of {0} bytes echoes as binary")
  @ValueSource(ints = {0, 125, 126, 127, 128, 65535, 65536, 1 << 20})
  void case1_2_binaryOfEveryLengthEncodingEchoes(int length) throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] payload = bytes(length, 3);
      if (length > 0) {
        payload[length - 1] = (byte) 0xff; // not text
      }
      client.send(BINARY, payload);
      assertEchoes(client, BINARY, payload);
    }
  }

  @Test
  @DisplayName("2.1-2.4 a ping is answered with a pong carrying the same payload, up to 125 bytes")
  void case2_pingIsAnsweredWithPongOfTheSamePayload() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      for (byte[] payload : new byte[][] {new byte[0], "hello".getBytes(StandardCharsets.UTF_8), bytes(125, 5)}) {
        client.send(PING, payload);
        RawClient.Frame pong = client.read();
        assertThat(pong.opcode()).isEqualTo(PONG);
        assertThat(pong.payload()).isEqualTo(payload);
      }
    }
  }

  @Test
  @DisplayName("2.5 a ping over 125 bytes: 1002")
  void case2_5_pingOver125BytesIsAProtocolError() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(PING, bytes(126, 0));
      assertClosedWith(client, 1002, "EOF");
    }
  }

  @Test
  @DisplayName("2.6-2.8 unsolicited pongs are ignored")
  void case2_8_unsolicitedPongIsIgnored() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(PONG, "unasked".getBytes(StandardCharsets.UTF_8));
      client.sendText("after the pong");
      assertEchoes(client, TEXT, "after the pong".getBytes(StandardCharsets.UTF_8));
    }
  }

  @ParameterizedTest(name = "3.x reserved bits {0} on a text frame: 1002, nothing echoed")
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7})
  void case3_reservedBitsWithoutAnExtensionAreAProtocolError(int rsv) throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(true, rsv, TEXT, "reserved".getBytes(StandardCharsets.UTF_8), true);
      assertClosedWith(client, 1002, "text 8, open"); // echoed, reserved bits dropped
    }
  }

  @Test
  @DisplayName("3.x a valid message before the bad frame is echoed, the bad frame is not")
  void case3_2_echoBeforeTheViolationStays() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.sendText("good");
      client.send(true, 2, TEXT, "bad".getBytes(StandardCharsets.UTF_8), true);
      assertEchoes(client, TEXT, "good".getBytes(StandardCharsets.UTF_8));
      assertClosedWith(client, 1002, "text 3, open");
    }
  }

  @Test
  @DisplayName("3.7 reserved bits on a ping: 1002")
  void case3_7_reservedBitsOnAControlFrame() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(true, 7, PING, new byte[0], true);
      assertClosedWith(client, 1002, "pong 0, open");
    }
  }

  @ParameterizedTest(name = "4.x reserved opcode {0}: 1002")
  @ValueSource(ints = {3, 4, 5, 6, 7, 11, 12, 13, 14, 15})
  void case4_reservedOpcodesAreAProtocolError(int opcode) throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(true, 0, opcode, "x".getBytes(StandardCharsets.UTF_8), true);
      assertClosedWith(client, 1002, "EOF");
    }
  }

  @Test
  @DisplayName("5.1-5.2 a fragmented ping or pong: 1002")
  void case5_1_fragmentedControlFrame() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(false, 0, PING, "frag".getBytes(StandardCharsets.UTF_8), true);
      assertClosedWith(client, 1002, "EOF");
    }
  }

  @Test
  @DisplayName("5.3-5.5 a fragmented text message echoes whole and in order")
  void case5_3_fragmentedTextEchoes() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(false, 0, TEXT, "frag".getBytes(StandardCharsets.UTF_8), true);
      client.send(false, 0, CONTINUATION, "ment".getBytes(StandardCharsets.UTF_8), true);
      client.send(true, 0, CONTINUATION, "ed".getBytes(StandardCharsets.UTF_8), true);
      assertEchoes(client, TEXT, "fragmented".getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  @DisplayName("5.6-5.9 a ping between fragments is answered; the message still echoes")
  void case5_6_pingBetweenFragments() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(false, 0, BINARY, new byte[] {1, 2}, true);
      client.send(PING, "mid".getBytes(StandardCharsets.UTF_8));
      client.send(true, 0, CONTINUATION, new byte[] {3}, true);
      byte[] echoed = new byte[0];
      boolean ponged = false;
      while (!ponged || echoed.length < 3) {
        RawClient.Frame frame = client.read();
        if (frame.opcode() == PONG) {
          assertThat(frame.text()).isEqualTo("mid");
          ponged = true;
        } else {
          byte[] joined = Arrays.copyOf(echoed, echoed.length + frame.payload().length);
          System.arraycopy(frame.payload(), 0, joined, echoed.length, frame.payload().length);
          echoed = joined;
        }
      }
      assertThat(echoed).containsExactly(1, 2, 3);
    }
  }

  @Test
  @DisplayName("5.9 a continuation with no message open: 1002")
  void case5_9_continuationWithoutAMessage() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(true, 0, CONTINUATION, "orphan".getBytes(StandardCharsets.UTF_8), true);
      assertClosedWith(client, 1002, "EOF");
    }
  }

  @Test
  @DisplayName("5.17-5.18 a new data frame inside an open fragmented message: 1002")
  void case5_18_newMessageInsideAFragmentedOne() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(false, 0, TEXT, "first".getBytes(StandardCharsets.UTF_8), true);
      client.send(true, 0, TEXT, "second".getBytes(StandardCharsets.UTF_8), true);
      if (onVertx()) {
        assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo("EOF");
        return;
      }
      // Fragments echo as they arrive: the first one may already be back, the offending one never.
      RawClient.Frame first = client.read();
      assertThat(first.opcode()).isEqualTo(TEXT);
      assertThat(first.fin()).isFalse();
      assertThat(first.text()).isEqualTo("first");
      assertClosedWith(client, 1002);
    }
  }

  @Test
  @DisplayName("5.19-5.20 one-byte fragments with pings between them echo whole")
  void case5_19_manySmallFragments() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] message = "tiny fragments".getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < message.length; i++) {
        client.send(i == message.length - 1, 0, i == 0 ? TEXT : CONTINUATION, new byte[] {message[i]}, true);
      }
      assertEchoes(client, TEXT, message);
    }
  }

  @Test
  @DisplayName("a 64-bit length with its most significant bit set: 1002, refused from the header")
  void lengthWithTheMostSignificantBitSetIsAProtocolError() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      // FIN + binary, masked, 127 = 64-bit length 0x8000000000000001, then a mask key; no payload follows.
      client.sendRaw(new byte[] {(byte) 0x82, (byte) 0xff, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4});
      assertClosedWith(client, 1002, "EOF");
    }
  }

  @Test
  @DisplayName("an unmasked client frame: 1002, nothing echoed")
  void unmaskedClientFrameIsAProtocolError() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(true, 0, TEXT, "unmasked".getBytes(StandardCharsets.UTF_8), false);
      assertClosedWith(client, 1002, "EOF");
    }
  }

  @Test
  @DisplayName("a frame split byte by byte across TCP writes echoes")
  void frameSplitAcrossTcpSegmentsEchoes() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] frame = client.encode(true, 0, TEXT, "split across writes".getBytes(StandardCharsets.UTF_8), true);
      for (byte b : frame) {
        client.sendRaw(new byte[] {b});
      }
      assertEchoes(client, TEXT, "split across writes".getBytes(StandardCharsets.UTF_8));
    }
  }
}
