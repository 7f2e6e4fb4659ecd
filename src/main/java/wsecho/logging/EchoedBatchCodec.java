package wsecho.logging;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire format of an {@link EchoedBatch} between cluster nodes: compact, versioned, no Java
 * serialization. All integers big-endian; strings are a 4-byte length and UTF-8 bytes.
 *
 * <pre>
 * version     1 byte  (1)
 * id          8 bytes
 * ackAddress  string
 * count       4 bytes
 * count times:
 *   connectionId 8 bytes
 *   flags        1 byte   bit 0: binary
 *   size         8 bytes  the whole message's size
 *   remote       string   the client's address
 *   preview      4-byte length, bytes
 * </pre>
 *
 * A later version keeps the first three fields where they are, so that a logger that does not know
 * it can still acknowledge the batch (and the echo side does not wait out its timeout). A batch
 * that cannot be read (cut short, lengths or a count that do not fit) decodes as malformed, with no
 * lines, instead of throwing in the logger. Within one process the batch is passed by reference.
 */
public final class EchoedBatchCodec implements MessageCodec<EchoedBatch, EchoedBatch> {

  public static final byte VERSION = 1;
  /** The version of a batch that could not be read at all (cut short, or lengths that do not fit). */
  static final int MALFORMED = -1;
  private static final int FLAG_BINARY = 1;
  /** A line's fixed fields: id, flags, size and the two length prefixes. */
  private static final int MIN_LINE_BYTES = 8 + 1 + 8 + 4 + 4;

  @Override
  public void encodeToWire(Buffer buffer, EchoedBatch batch) {
    buffer.appendByte(VERSION).appendLong(batch.id());
    appendString(buffer, batch.ackAddress());
    buffer.appendInt(batch.messages().size());
    for (EchoedMessage message : batch.messages()) {
      buffer.appendLong(message.connectionId())
          .appendByte((byte) (message.isBinary() ? FLAG_BINARY : 0))
          .appendLong(message.size());
      appendString(buffer, message.remoteAddress());
      buffer.appendInt(message.preview().length()).appendBuffer(message.preview());
    }
  }

  @Override
  public EchoedBatch decodeFromWire(int pos, Buffer buffer) {
    int version;
    long id;
    String ackAddress;
    int at;
    try {
      version = buffer.getByte(pos) & 0xff;
      id = buffer.getLong(pos + 1);
      int ackLength = buffer.getInt(pos + 9);
      ackAddress = buffer.getString(pos + 13, pos + 13 + ackLength, StandardCharsets.UTF_8.name());
      at = pos + 13 + ackLength;
    } catch (IndexOutOfBoundsException | IllegalArgumentException truncated) {
      return new EchoedBatch(MALFORMED, -1, null, List.of()); // nowhere to acknowledge it
    }
    if (version != VERSION) {
      return new EchoedBatch(version, id, ackAddress, List.of());
    }
    try {
      int count = buffer.getInt(at);
      at += 4;
      // Checked before anything is allocated for it: a corrupt count must not size a list.
      if (count < 0 || count > (buffer.length() - at) / MIN_LINE_BYTES) {
        return new EchoedBatch(MALFORMED, id, ackAddress, List.of());
      }
      List<EchoedMessage> messages = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        long connectionId = buffer.getLong(at);
        boolean binary = (buffer.getByte(at + 8) & FLAG_BINARY) != 0;
        long size = buffer.getLong(at + 9);
        at += 17;
        int remoteLength = buffer.getInt(at);
        String remote = buffer.getString(at + 4, at + 4 + remoteLength, StandardCharsets.UTF_8.name());
        at += 4 + remoteLength;
        int previewLength = buffer.getInt(at);
        Buffer preview = buffer.getBuffer(at + 4, at + 4 + previewLength);
        at += 4 + previewLength;
        messages.add(new EchoedMessage(connectionId, remote, binary, preview, size));
      }
      return new EchoedBatch(version, id, ackAddress, messages);
    } catch (IndexOutOfBoundsException | IllegalArgumentException malformed) {
      return new EchoedBatch(MALFORMED, id, ackAddress, List.of());
    }
  }

  private static void appendString(Buffer buffer, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    buffer.appendInt(bytes.length).appendBytes(bytes);
  }

  @Override
  public EchoedBatch transform(EchoedBatch batch) {
    return batch; // immutable: a logger in the same process gets it by reference
  }

  @Override
  public String name() {
    return "echoed-batch";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
