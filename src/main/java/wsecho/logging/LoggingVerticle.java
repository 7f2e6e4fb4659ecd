package wsecho.logging;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * Prints one line per echoed message, {@code <remote address> sent: <message>}, the Go original's
 * format. Deployed once, as a worker verticle on a pool of its own with one thread: writing to
 * standard output may block, and it must block this thread, never an event loop.
 *
 * <p>The echo instances publish their lines in bursts, one {@link EchoedBatch} per instance every
 * few milliseconds (see {@link MessageLog.Outbox}). This thread writes a batch's lines into the
 * {@link StdoutAppender}'s buffer itself and flushes it once per batch: one thread wake-up and one
 * {@code write(2)} per batch, with no second hand-off to an appender thread. Clustered, the batches
 * of every echo node arrive encoded, and each is acknowledged to its sender once its lines are
 * written.
 */
public final class LoggingVerticle extends VerticleBase {

  /** Message lines go to their own logger so that the log configuration can route them. */
  public static final String MESSAGES_LOGGER = "wsecho.messages";

  private static final Logger LINES = LoggerFactory.getLogger(MESSAGES_LOGGER);
  private static final Logger LOG = LoggerFactory.getLogger(LoggingVerticle.class);
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final MessageLog messageLog;
  private MessageConsumer<EchoedBatch> consumer;
  private boolean warnedUnreadable;
  private boolean warnedMalformed;

  public LoggingVerticle(MessageLog messageLog) {
    this.messageLog = messageLog;
  }

  @Override
  public Future<?> start() {
    consumer = messageLog.clustered()
        ? vertx.eventBus().<EchoedBatch>consumer(messageLog.address(), this::print)
        : vertx.eventBus().<EchoedBatch>localConsumer(messageLog.address(), this::print);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }

  private void print(Message<EchoedBatch> message) {
    EchoedBatch batch = message.body();
    if (batch.readable()) {
      try {
        for (EchoedMessage line : batch.messages()) {
          LINES.info(format(line, messageLog.maxChars()));
        }
        StdoutAppender.flushAppendersOf(LINES); // the batch's lines, in one write
      } finally {
        if (batch.ackAddress() == null) {
          messageLog.handled(batch); // from this process: its lines stop counting as waiting
        } else {
          messageLog.received(batch);
        }
      }
    } else if (batch.malformed()) {
      if (!warnedMalformed) {
        warnedMalformed = true;
        LOG.warn("a message log batch from the cluster could not be read and is not printed (further ones silently)");
      }
    } else if (!warnedUnreadable) {
      warnedUnreadable = true;
      LOG.warn("message log batches in wire format version {} are not printed: this logger knows version {} (upgrade it)",
          batch.version(), EchoedBatchCodec.VERSION);
    }
    // Acknowledged even when unreadable: the sender's lines stop holding up its queue at once.
    if (batch.ackAddress() != null) {
      vertx.eventBus().send(batch.ackAddress(), batch.id());
    }
  }

  /** The log line for one message, on one line whatever the message contains. */
  public static String format(EchoedMessage message, int maxChars) {
    StringBuilder line = new StringBuilder(message.remoteAddress().length() + 64 + maxChars)
        .append(message.remoteAddress()).append(" sent: ");
    if (message.isBinary()) {
      line.append("[binary ").append(message.size()).append(" bytes] ");
      appendHex(line, message.preview());
    } else {
      Buffer preview = message.preview();
      String text = preview.getString(0, wholeCharacters(preview), StandardCharsets.UTF_8.name());
      boolean whole = message.preview().length() == message.size() && text.length() <= maxChars;
      if (!whole) {
        // Cut on a character, not inside a surrogate pair.
        int end = Math.min(text.length(), maxChars);
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
          end--;
        }
        text = text.substring(0, end);
      }
      appendEscaped(line, text);
      if (!whole) {
        line.append("... (").append(message.size()).append(" bytes)");
      }
    }
    return line.toString();
  }

  /** The preview's length without a UTF-8 sequence that the preview cut short. */
  private static int wholeCharacters(Buffer preview) {
    int length = preview.length();
    for (int back = 1; back <= Math.min(3, length); back++) {
      int b = preview.getByte(length - back) & 0xff;
      if ((b & 0xc0) != 0x80) { // a lead byte (or ASCII): does its sequence fit?
        int needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        return needed > back ? length - back : length;
      }
    }
    return length;
  }

  private static void appendHex(StringBuilder line, Buffer bytes) {
    for (int i = 0; i < bytes.length(); i++) {
      byte b = bytes.getByte(i);
      line.append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
    }
  }

  /** Control characters are escaped so that a message cannot forge or split log lines. */
  private static void appendEscaped(StringBuilder line, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\t' -> line.append("\\t");
        case '\\' -> line.append("\\\\");
        default -> {
          if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
            line.append(String.format("\\u%04x", (int) c));
          } else {
            line.append(c);
          }
        }
      }
    }
  }
}
