package wsecho.ws.conformance;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.BINARY;
import static wsecho.ws.conformance.RawClient.CONTINUATION;
import static wsecho.ws.conformance.RawClient.TEXT;

/**
 * Text and compressed frames are not held until they end: what has arrived and been checked goes
 * back at the end of each read, as fragments of the echo, so a slow or stalled frame costs the
 * server no memory. A frame that arrives in one read still comes back as one frame.
 */
class StreamingConformanceTest extends ConformanceBase {

  /** Reads frames up to the end of one message, and returns them. */
  private static java.util.List<RawClient.Frame> readFrames(RawClient client) throws Exception {
    java.util.List<RawClient.Frame> frames = new java.util.ArrayList<>();
    RawClient.Frame frame;
    do {
      frame = client.read();
      assertThat(frame).isNotNull();
      if (frame.opcode() != RawClient.PING) {
        frames.add(frame);
      }
    } while (frame.opcode() == RawClient.PING || !frame.fin());
    return frames;
  }

  private static byte[] payloadOf(java.util.List<RawClient.Frame> frames) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    frames.forEach(f -> all.writeBytes(f.payload()));
    return all.toByteArray();
  }

  @Test
  @DisplayName("a text frame that arrives in two parts comes back as two fragments, the first as soon as it arrived")
  void aTextFrameArrivingInPartsStreamsBackAsFragments() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] text = "é".repeat(3000).getBytes(StandardCharsets.UTF_8); // 6,000 bytes, 2-byte characters
      byte[] frame = client.encode(true, 0, TEXT, text, true);
      int split = 8 + 2001; // the header, then an odd byte count: the first part ends inside a character
      client.sendRaw(Arrays.copyOfRange(frame, 0, split));
      if (onVertx()) {
        // Vert.x holds every message whole: nothing until the frame ends, then one frame.
        assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo("open");
        client.sendRaw(Arrays.copyOfRange(frame, split, frame.length));
        assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo("text 6000, open");
        return;
      }
      RawClient.Frame first = client.read();
      assertThat(first.opcode()).isEqualTo(TEXT);
      assertThat(first.fin()).isFalse();
      assertThat(first.payload().length).isBetween(1, 2001);
      client.sendRaw(Arrays.copyOfRange(frame, split, frame.length));
      java.util.List<RawClient.Frame> rest = readFrames(client);
      assertThat(rest).allSatisfy(f -> assertThat(f.opcode()).isEqualTo(CONTINUATION));
      java.util.List<RawClient.Frame> all = new java.util.ArrayList<>(rest);
      all.add(0, first);
      assertThat(payloadOf(all)).isEqualTo(text);
    }
  }

  @Test
  @DisplayName("a text frame that arrives in one write comes back as one frame")
  void aTextFrameInOneWriteComesBackWhole() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] text = "x".repeat(20_000).getBytes(StandardCharsets.UTF_8);
      client.send(TEXT, text);
      java.util.List<RawClient.Frame> frames = readFrames(client);
      assertThat(frames).hasSize(1);
      assertThat(frames.get(0).opcode()).isEqualTo(TEXT);
      assertThat(frames.get(0).payload()).isEqualTo(text);
    }
  }

  @Test
  @DisplayName("6.x invalid UTF-8 after part of a frame was echoed: fragments, then 1007")
  void invalidUtf8AfterAnEchoedPartGets1007() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] text = new byte[3000];
      Arrays.fill(text, (byte) 'a');
      text[2500] = (byte) 0xff;
      byte[] frame = client.encode(true, 0, TEXT, text, true);
      client.sendRaw(Arrays.copyOfRange(frame, 0, 8 + 1000));
      if (onVertx()) {
        client.sendRaw(Arrays.copyOfRange(frame, 8 + 1000, frame.length));
        assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo("text 3002, open"); // whole, U+FFFD for the bad byte
        return;
      }
      RawClient.Frame first = client.read();
      assertThat(first.opcode()).isEqualTo(TEXT);
      assertThat(first.fin()).isFalse();
      client.sendRaw(Arrays.copyOfRange(frame, 8 + 1000, frame.length));
      RawClient.Frame next;
      do {
        next = client.read(); // the valid bytes before the bad one may come back first
      } while (next != null && next.opcode() == CONTINUATION && !next.fin());
      assertThat(next).isNotNull();
      assertThat(next.opcode()).isEqualTo(RawClient.CLOSE);
      assertThat(next.closeCode()).isEqualTo(1007);
      assertThat(client.serverClosedTcp()).isTrue();
    }
  }

  @Test
  @DisplayName("a compressed message that arrives in parts is inflated and echoed as it arrives")
  void aCompressedFrameArrivingInPartsStreamsBack() throws Exception {
    try (RawClient client = RawClient.handshake(port, Map.of("Sec-WebSocket-Extensions", "permessage-deflate"))) {
      assertThat(client.response().status()).isEqualTo(101);
      byte[] binary = new byte[200_000];
      new java.util.Random(7).nextBytes(binary);
      for (int i = 0; i < binary.length; i += 2) {
        binary[i] = 0; // compressible, but not to nothing
      }
      byte[] compressed = RawClient.compress(new Deflater(Deflater.DEFAULT_COMPRESSION, true), binary);
      byte[] frame = client.encode(true, 4, BINARY, compressed, true);
      int split = frame.length / 2;
      client.sendRaw(Arrays.copyOfRange(frame, 0, split));
      if (onVertx()) {
        assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo("open");
        client.sendRaw(Arrays.copyOfRange(frame, split, frame.length));
        assertThat(client.readMessageInflating(new java.util.zip.Inflater(true)).payload()).isEqualTo(binary);
        return;
      }
      RawClient.Frame first = client.read();
      assertThat(first.opcode()).isEqualTo(BINARY);
      assertThat(first.fin()).isFalse();
      assertThat(first.rsv()).isZero(); // echoed uncompressed
      client.sendRaw(Arrays.copyOfRange(frame, split, frame.length));
      java.util.List<RawClient.Frame> all = new java.util.ArrayList<>(readFrames(client));
      all.add(0, first);
      assertThat(payloadOf(all)).isEqualTo(binary);
    }
  }
}
