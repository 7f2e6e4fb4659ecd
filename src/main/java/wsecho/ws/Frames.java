package wsecho.ws;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/** Server frames: never masked (RFC 6455 5.1), never compressed by this server. */
final class Frames {

  private Frames() {}

  static Buffer header(int opcode, boolean fin, long length) {
    return header(opcode, fin, length, 0);
  }

  /** A header in a buffer with room for {@code room} more bytes, so a payload can follow without a copy to grow. */
  static Buffer header(int opcode, boolean fin, long length, int room) {
    Buffer header = Buffer.buffer(10 + room);
    header.appendByte((byte) ((fin ? 0x80 : 0) | opcode));
    if (length < 126) {
      header.appendByte((byte) length);
    } else if (length <= 0xffff) {
      header.appendByte((byte) 126).appendShort((short) length);
    } else {
      header.appendByte((byte) 127).appendLong(length);
    }
    return header;
  }

  static Buffer control(int opcode, Buffer payload) {
    return header(opcode, true, payload.length()).appendBuffer(payload);
  }

  static Buffer close(int code, String reason) {
    byte[] text = reason.getBytes(StandardCharsets.UTF_8);
    int length = Math.min(text.length, 123); // a control frame carries at most 125 bytes
    Buffer payload = Buffer.buffer(2 + length).appendShort((short) code).appendBytes(text, 0, length);
    return control(FrameReader.CLOSE, payload);
  }
}
