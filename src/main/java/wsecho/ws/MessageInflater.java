package wsecho.ws;

import io.vertx.core.buffer.Buffer;

import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses permessage-deflate messages (RFC 7692) frame by frame, pulled in pieces of a size
 * the caller chooses: the caller takes each piece only when the memory budget has room for it, so a
 * frame that inflates a thousandfold waits, half inflated, instead of filling the heap; and a small
 * compressed bomb is refused as soon as it inflates past the message limit.
 */
final class MessageInflater {

  private static final byte[] TAIL = {0x00, 0x00, (byte) 0xff, (byte) 0xff};
  private static final int CHUNK = 64 * 1024;
  /** What one inflater holds natively, estimated: zlib's 32 KiB window and about 7 KiB of state. */
  static final long STATE_BYTES = 40 * 1024;
  // The output buffer is the event loop's, not the connection's: 1,000 compressing clients do not cost 64 MiB.
  private static final ThreadLocal<byte[]> OUT = ThreadLocal.withInitial(() -> new byte[CHUNK]);

  private final boolean resetEachMessage;
  private Inflater inflater;     // made by start(), when the budget has room for its state
  private byte[] waiting;        // pushed input the inflater has not been given yet
  private boolean tailPending;   // the message ends after this input: the 4 bytes RFC 7692 strips follow
  private boolean messageEnding; // the tail is in: once it is consumed, the message is over

  MessageInflater(boolean resetEachMessage) {
    this.resetEachMessage = resetEachMessage;
  }

  boolean started() {
    return inflater != null;
  }

  /** Allocates zlib's state (about {@link #STATE_BYTES}); before the first {@link #next}. */
  void start() {
    if (inflater == null) {
      inflater = new Inflater(true);
    }
  }

  /** One frame's compressed payload, to be pulled with {@link #next} until it returns null. */
  void push(Buffer compressed, boolean endOfMessage) {
    waiting = compressed.getBytes();
    tailPending = endOfMessage;
  }

  /** Compressed bytes pushed and not yet inflated. */
  long pendingInput() {
    long pending = waiting != null ? waiting.length : inflater != null ? inflater.getRemaining() : 0;
    return pending + (tailPending ? TAIL.length : 0);
  }

  /**
   * Inflates the next piece of at most {@code max} bytes (at least 1), or returns null once all that
   * was pushed is consumed.
   *
   * @param allowance how many more bytes this message may have: more is refused with 1009
   */
  Buffer next(int max, long allowance) throws ProtocolException {
    byte[] out = OUT.get();
    int room = (int) Math.min(Math.min(max, CHUNK), Math.max(0, allowance) + 1);
    try {
      while (true) {
        if (waiting != null) {
          inflater.setInput(waiting);
          waiting = null;
        }
        int n = inflater.inflate(out, 0, room);
        if (n > allowance) {
          throw new ProtocolException(CloseCodes.TOO_BIG, "message inflates past the size limit");
        }
        if (n > 0) {
          return Buffer.buffer(n).appendBytes(out, 0, n);
        }
        if (inflater.finished()) {
          // A final deflate block (BFINAL) ends the stream: the next message starts a new one.
          inflater.reset();
        } else if (!inflater.needsInput()) {
          throw new ProtocolException(CloseCodes.INVALID_PAYLOAD, "invalid compressed data");
        }
        if (tailPending) {
          tailPending = false;
          messageEnding = true;
          waiting = TAIL;
          continue;
        }
        if (messageEnding) {
          messageEnding = false;
          if (resetEachMessage) {
            inflater.reset();
          }
        }
        return null;
      }
    } catch (DataFormatException e) {
      throw new ProtocolException(CloseCodes.INVALID_PAYLOAD, "invalid compressed data");
    }
  }

  void close() {
    if (inflater != null) {
      inflater.end();
    }
  }
}
