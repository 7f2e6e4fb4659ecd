package wsecho.ws;

import io.vertx.core.buffer.Buffer;

import java.util.function.Consumer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses permessage-deflate messages (RFC 7692) frame by frame, in bounded chunks, so that a
 * small compressed bomb is refused as soon as it inflates past the message limit.
 */
final class MessageInflater {

  private static final byte[] TAIL = {0x00, 0x00, (byte) 0xff, (byte) 0xff};
  private static final int CHUNK = 64 * 1024;
  /** What one inflater holds natively, estimated: zlib's 32 KiB window and about 7 KiB of state. */
  static final long STATE_BYTES = 40 * 1024;
  // The output buffer is the event loop's, not the connection's: 1,000 compressing clients do not cost 64 MiB.
  private static final ThreadLocal<byte[]> OUT = ThreadLocal.withInitial(() -> new byte[CHUNK]);

  private final Inflater inflater = new Inflater(true);
  private final boolean resetEachMessage;

  MessageInflater(boolean resetEachMessage) {
    this.resetEachMessage = resetEachMessage;
  }

  /**
   * Inflates one frame's compressed payload and hands the result on in chunks.
   *
   * @param allowance how many more bytes this message may have in all
   * @return the number of bytes produced
   */
  long inflate(Buffer compressed, boolean fin, long allowance, Consumer<Buffer> sink) throws ProtocolException {
    long produced = feed(compressed.getBytes(), allowance, sink);
    if (fin) {
      produced += feed(TAIL, allowance - produced, sink);
      if (resetEachMessage) {
        inflater.reset();
      }
    }
    return produced;
  }

  private long feed(byte[] input, long allowance, Consumer<Buffer> sink) throws ProtocolException {
    inflater.setInput(input);
    byte[] out = OUT.get();
    long produced = 0;
    try {
      while (true) {
        int n = inflater.inflate(out);
        if (n > 0) {
          produced += n;
          if (produced > allowance) {
            throw new ProtocolException(CloseCodes.TOO_BIG, "message inflates past the size limit");
          }
          sink.accept(Buffer.buffer(n).appendBytes(out, 0, n));
        } else if (inflater.needsInput() || inflater.finished() || inflater.needsDictionary()) {
          break;
        }
      }
    } catch (DataFormatException e) {
      throw new ProtocolException(CloseCodes.INVALID_PAYLOAD, "invalid compressed data");
    }
    if (inflater.finished()) {
      // A final deflate block (BFINAL) ends the stream: the next message starts a new one.
      inflater.reset();
    }
    return produced;
  }

  void close() {
    inflater.end();
  }
}
