package wsecho.ws;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.ServerWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wsecho.logging.EchoedMessage;
import wsecho.logging.MessageLog;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The echo path, whole: every message goes back to its sender with its own type (text as text,
 * binary as binary), then a preview of it is offered to the message log, which never makes the
 * echo wait.
 */
public final class EchoSession {

  private static final Logger LOG = LoggerFactory.getLogger(EchoSession.class);
  private static final AtomicLong IDS = new AtomicLong();

  private final ServerWebSocket socket;
  private final MessageLog messageLog;
  private final EventBus bus;
  private final long id = IDS.incrementAndGet();
  private final String remote;

  private EchoSession(ServerWebSocket socket, MessageLog messageLog, EventBus bus) {
    this.socket = socket;
    this.messageLog = messageLog;
    this.bus = bus;
    this.remote = String.valueOf(socket.remoteAddress());
  }

  /** Starts echoing on a socket whose handshake has completed. */
  public static void start(ServerWebSocket socket, MessageLog messageLog, EventBus bus) {
    new EchoSession(socket, messageLog, bus).start();
  }

  private void start() {
    LOG.info("connection {} opened from {}", id, remote);
    socket.textMessageHandler(this::echoText);
    socket.binaryMessageHandler(this::echoBinary);
    // Back-pressure: stop reading from a client that does not read its echoes, resume on drain.
    socket.drainHandler(drained -> socket.resume());
    socket.exceptionHandler(failure -> LOG.debug("connection {} error: {}", id, failure.toString()));
    socket.closeHandler(closed -> LOG.info("connection {} closed from {}: code {}{}", id, remote,
        socket.closeStatusCode() == null ? "1006 (no close frame)" : socket.closeStatusCode(),
        socket.closeReason() == null || socket.closeReason().isEmpty() ? "" : " " + socket.closeReason()));
  }

  private void echoText(String message) {
    socket.writeTextMessage(message);
    pauseIfBehind();
    if (messageLog.enabled()) {
      messageLog.publish(bus, EchoedMessage.text(id, remote, message, messageLog.maxChars()));
    }
  }

  private void echoBinary(io.vertx.core.buffer.Buffer message) {
    socket.writeBinaryMessage(message);
    pauseIfBehind();
    if (messageLog.enabled()) {
      messageLog.publish(bus, EchoedMessage.binary(id, remote, message));
    }
  }

  private void pauseIfBehind() {
    if (socket.writeQueueFull()) {
      socket.pause();
    }
  }
}
