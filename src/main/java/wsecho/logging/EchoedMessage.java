package wsecho.logging;

import io.vertx.core.buffer.Buffer;

/**
 * What the echo publishes on the event bus for each message: who sent it, its size, and just the
 * bytes the log line shows (at most {@code 4 * log.maxChars} bytes of text, 32 bytes of binary),
 * so that a queue of log lines never pins whole megabyte messages in memory. The logger, not the
 * echo, turns the bytes into characters.
 *
 * @param preview the first bytes of the message
 * @param size    the whole message's size in bytes
 */
public record EchoedMessage(long connectionId, String remoteAddress, boolean binary, Buffer preview, long size) {

  public static final int BINARY_PREVIEW_BYTES = 32;

  public boolean isBinary() {
    return binary;
  }
}
