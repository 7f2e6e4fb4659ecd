package wsecho.logging;

import io.vertx.core.buffer.Buffer;

/**
 * What the echo publishes on the event bus for each message: who sent it and just enough of the
 * payload to print. Only the printed prefix is kept (at most {@code log.maxChars} characters of
 * text, 32 bytes of binary), so a queue of log lines never pins whole megabyte messages in memory.
 *
 * @param text   the text prefix, or null for a binary message
 * @param binary the first bytes of a binary message, or null for text
 * @param size   the whole message's size: characters for text, bytes for binary
 */
public record EchoedMessage(long connectionId, String remoteAddress, String text, Buffer binary, int size) {

  public static final int BINARY_PREVIEW_BYTES = 32;

  public static EchoedMessage text(long connectionId, String remoteAddress, String message, int maxChars) {
    String prefix = message.length() > maxChars ? message.substring(0, maxChars) : message;
    return new EchoedMessage(connectionId, remoteAddress, prefix, null, message.length());
  }

  public static EchoedMessage binary(long connectionId, String remoteAddress, Buffer message) {
    int previewLength = Math.min(BINARY_PREVIEW_BYTES, message.length());
    return new EchoedMessage(connectionId, remoteAddress, null, message.getBuffer(0, previewLength), message.length());
  }

  public boolean isBinary() {
    return binary != null;
  }
}
