package wsecho.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The payload comes out unmasked byte for byte whatever the reads look like: heap or direct (Netty's
 * read buffers are direct), split anywhere, so that a chunk starts at every phase of the mask and
 * ends with every length of tail past the last eight-byte step.
 */
class FrameReaderUnmaskTest {

  @ParameterizedTest(name = "{0} reads of {1} bytes")
  @CsvSource({
      "heap, 1", "heap, 3", "heap, 7", "heap, 8", "heap, 13", "heap, 4099", "heap, 70000",
      "direct, 1", "direct, 3", "direct, 7", "direct, 8", "direct, 13", "direct, 4099", "direct, 70000"})
  void everyPayloadByteIsUnmaskedInAnySplitOfHeapOrDirectReads(String kind, int readSize) throws Exception {
    Random random = new Random(readSize);
    byte[] payload = new byte[65_536 + 21];
    random.nextBytes(payload);
    byte[] mask = new byte[4];
    random.nextBytes(mask);
    byte[] frame = maskedBinaryFrame(payload, mask);

    ByteArrayOutputStream unmasked = new ByteArrayOutputStream();
    boolean[] ended = new boolean[1];
    FrameReader reader = new FrameReader(new FrameReader.Listener() {
      @Override
      public void frameStart(int opcode, boolean fin, boolean compressed, boolean messageStart, long length) {
        assertThat(length).isEqualTo(payload.length);
      }

      @Override
      public void framePayload(Buffer chunk) {
        unmasked.writeBytes(chunk.getBytes());
      }

      @Override
      public void frameEnd() {
        ended[0] = true;
      }
    }, 1 << 20, false);

    for (int at = 0; at < frame.length; at += readSize) {
      byte[] read = Arrays.copyOfRange(frame, at, Math.min(frame.length, at + readSize));
      if (kind.equals("direct")) {
        ByteBuf direct = Unpooled.directBuffer(read.length).writeBytes(read);
        reader.feed(BufferInternal.buffer(direct));
        direct.release(); // the reader keeps nothing of what it is fed
      } else {
        reader.feed(Buffer.buffer(read));
      }
    }

    assertThat(ended[0]).isTrue();
    assertThat(unmasked.toByteArray()).isEqualTo(payload);
  }

  private static byte[] maskedBinaryFrame(byte[] payload, byte[] mask) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(0x82);
    frame.write(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.write((int) ((long) payload.length >>> shift) & 0xff);
    }
    frame.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.write(payload[i] ^ mask[i & 3]);
    }
    return frame.toByteArray();
  }
}
