package wsecho.ws;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The reader stops handing on where its listener asks (the memory budget) and goes on from there, losing nothing. */
class FrameReaderSuspendTest {

  @Test
  void aSuspendedReaderKeepsTheRestOfTheReadAndOwesTheFrameEnd() throws Exception {
    List<String> events = new ArrayList<>();
    FrameReader[] reader = new FrameReader[1];
    reader[0] = new FrameReader(new FrameReader.Listener() {
      @Override
      public void frameStart(int opcode, boolean fin, boolean compressed, boolean messageStart, long length) {
        events.add("start " + opcode + " " + length);
      }

      @Override
      public void framePayload(Buffer chunk) {
        events.add("payload " + chunk.toString());
        if (chunk.toString().equals("first")) {
          reader[0].suspend();
        }
      }

      @Override
      public void frameEnd() {
        events.add("end");
      }
    }, 1 << 20, false);

    Buffer read = Buffer.buffer().appendBuffer(masked(0x81, "first")).appendBuffer(masked(0x82, "second"));
    reader[0].feed(read);
    assertThat(events).containsExactly("start 1 5", "payload first");
    assertThat(reader[0].heldBytes()).isEqualTo(2 + 4 + 6);

    reader[0].feed(masked(0x81, "third")); // arriving while suspended: kept behind the rest
    assertThat(events).hasSize(2);

    reader[0].resume();
    assertThat(events).containsExactly("start 1 5", "payload first", "end", "start 2 6", "payload second", "end",
        "start 1 5", "payload third", "end");
    assertThat(reader[0].heldBytes()).isZero();
  }

  private static Buffer masked(int first, String text) {
    byte[] payload = text.getBytes();
    byte[] mask = {7, 1, 9, 3};
    Buffer frame = Buffer.buffer().appendByte((byte) first).appendByte((byte) (0x80 | payload.length)).appendBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.appendByte((byte) (payload[i] ^ mask[i & 3]));
    }
    return frame;
  }
}
