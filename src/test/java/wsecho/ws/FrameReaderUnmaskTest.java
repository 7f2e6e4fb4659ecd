package wsecho.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
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
 * ends with every length of tail past the last eight-byte step; and whatever the listener unmasks
 * into: the default heap copy, or direct memory behind room of its own (binary echoes), which the
 * reader leaves as it was.
 */
class FrameReaderUnmaskTest {

  private static final int ROOM = 10;

  @ParameterizedTest(name = "{0} reads of {1} bytes into {2}")
  @CsvSource({
      "heap, 1, heap", "heap, 3, heap", "heap, 7, heap", "heap, 8, heap", "heap, 13, heap", "heap, 4099, heap",
      "heap, 70000, heap",
      "direct, 1, heap", "direct, 3, heap", "direct, 7, heap", "direct, 8, heap", "direct, 13, heap",
      "direct, 4099, heap", "direct, 70000, heap",
      "heap, 1, direct", "heap, 7, direct", "heap, 13, direct", "heap, 4099, direct", "heap, 70000, direct",
      "direct, 1, direct", "direct, 3, direct", "direct, 8, direct", "direct, 13, direct", "direct, 4099, direct",
      "direct, 70000, direct"})
  void everyPayloadByteIsUnmaskedInAnySplitOfHeapOrDirectReads(String kind, int readSize, String into) throws Exception {
    Random random = new Random(readSize);
    byte[] payload = new byte[65_536 + 21];
    random.nextBytes(payload);
    byte[] mask = new byte[4];
    random.nextBytes(mask);
    byte[] frame = maskedBinaryFrame(payload, mask);

    ByteArrayOutputStream unmasked = new ByteArrayOutputStream();
    boolean[] ended = new boolean[1];
    ByteBuf[] target = new ByteBuf[1];
    FrameReader reader = new FrameReader(new FrameReader.Listener() {
      @Override
      public void frameStart(int opcode, boolean fin, boolean compressed, boolean messageStart, long length) {
        assertThat(length).isEqualTo(payload.length);
      }

      @Override
      public ByteBuf payloadBuffer(int n) {
        if (into.equals("heap")) {
          return FrameReader.Listener.super.payloadBuffer(n);
        }
        target[0] = Unpooled.directBuffer(ROOM + n);
        for (int i = 0; i < ROOM; i++) {
          target[0].writeByte(0x5a);
        }
        return target[0];
      }

      @Override
      public void framePayload(Buffer chunk) {
        assertThat(chunk.length()).isPositive();
        unmasked.writeBytes(chunk.getBytes());
        if (target[0] != null) {
          ByteBuf whole = target[0];
          target[0] = null;
          assertThat(whole.writerIndex()).isEqualTo(ROOM + chunk.length());
          for (int i = 0; i < ROOM; i++) {
            assertThat(whole.getByte(i)).as("room byte %d", i).isEqualTo((byte) 0x5a);
          }
          assertThat(ByteBufUtil.getBytes(whole, ROOM, chunk.length())).isEqualTo(chunk.getBytes());
          whole.release();
        }
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
