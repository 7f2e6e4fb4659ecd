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
 * it can still acknowledge the batch (and the echo side does not wait out its timeout). Within one
 * process the batch is passed by reference.
 */
public final class EchoedBatchCodec implements MessageCodec<EchoedBatch, EchoedBatch> {

  public static final byte VERSION = 1;
  private static final int FLAG_BINARY = 1;

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
    int version = buffer.getByte(pos) & 0xff;
    long id = buffer.getLong(pos + 1);
    int at = pos + 9;
    int ackLength = buffer.getInt(at);
    String ackAddress = buffer.getString(at + 4, at + 4 + ackLength, StandardCharsets.UTF_8.name());
    at += 4 + ackLength;
    if (version != VERSION) {
      return new EchoedBatch(version, id, ackAddress, List.of());
    }
    int count = buffer.getInt(at);
    at += 4;
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
