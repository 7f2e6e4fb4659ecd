package wsecho.ws;

import io.netty.buffer.ByteBufUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wsecho.logging.EchoedMessage;
import wsecho.logging.MessageLog;
import wsecho.ops.EchoMetrics;
import wsecho.ops.EchoStats;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The echo on Vert.x's {@code ServerWebSocket}: each whole message (Vert.x joins fragments) goes
 * back with its own type and is offered to the same message log as on the strict engine; pings,
 * the idle timeout, the rate limit, back-pressure and the metrics are the service's, as there.
 */
final class VertxEchoSession implements EchoConnection {

  private static final Logger LOG = LoggerFactory.getLogger(VertxEchoSession.class);

  private final long id;
  private final ServerWebSocket ws;
  private final String remote;
  private final MessageLog.Outbox messageLog;
  private final EchoMetrics metrics;
  private final EchoStats stats;
  private final boolean logged;
  private final Consumer<VertxEchoSession> onClosed;
  private short closeCode; // sent by the server, when it closed first
  private String closeReason = "";
  private boolean closing;
  private final Liveness liveness;

  VertxEchoSession(long id, ServerWebSocket ws, String client, WebSocketEngine.Services services, boolean logged,
                   Consumer<VertxEchoSession> onClosed) {
    this.id = id;
    this.ws = ws;
    this.remote = client;
    this.liveness = new Liveness(services.limits(), System.nanoTime(), id, client, logged);
    this.messageLog = services.messageLog();
    this.metrics = services.metrics();
    this.stats = services.stats();
    this.logged = logged;
    this.onClosed = onClosed;
  }

  void start() {
    if (logged) {
      LOG.info("connection {} opened from {}", id, remote);
    }
    ws.frameHandler(frame -> liveness.heard(System.nanoTime())); // liveness: any frame, pongs included
    ws.textMessageHandler(this::echoText);
    ws.binaryMessageHandler(this::echoBinary);
    ws.drainHandler(drained -> ws.resume());
    ws.exceptionHandler(failure -> LOG.debug("connection {} error: {}", id, failure.toString()));
    ws.closeHandler(closed -> closed());
  }

  private void echoText(String text) {
    long start = System.nanoTime();
    if (overRate(start)) {
      return;
    }
    ws.writeTextMessage(text);
    int bytes = ByteBufUtil.utf8Bytes(text); // the UTF-8 size, without encoding it again
    afterEcho(false, bytes, start);
    if (messageLog.admit(start)) {
      String shown = text.length() > messageLog.maxChars() ? text.substring(0, Math.max(0, messageLog.maxChars())) : text;
      messageLog.publish(new EchoedMessage(id, remote, false, Buffer.buffer(shown.getBytes(StandardCharsets.UTF_8)), bytes));
    }
  }

  private void echoBinary(Buffer data) {
    long start = System.nanoTime();
    if (overRate(start)) {
      return;
    }
    ws.writeBinaryMessage(data);
    afterEcho(true, data.length(), start);
    if (messageLog.admit(start)) {
      int shown = Math.min(EchoedMessage.BINARY_PREVIEW_BYTES, data.length());
      messageLog.publish(new EchoedMessage(id, remote, true, data.getBuffer(0, shown), data.length()));
    }
  }

  private void afterEcho(boolean binary, long bytes, long startNanos) {
    stats.echoed(binary, bytes, System.nanoTime() - startNanos);
    if (ws.writeQueueFull()) {
      ws.pause(); // back-pressure: read again once the client has read its echoes
    }
  }

  private boolean overRate(long nowNanos) {
    if (liveness.overRate(nowNanos)) {
      close(CloseCodes.POLICY_VIOLATION, liveness.rateReason());
      return true;
    }
    return false;
  }

  @Override
  public void close(int code, String reason) {
    if (closing || ws.isClosed()) {
      return;
    }
    closing = true;
    closeCode = (short) code;
    closeReason = reason;
    ws.close((short) code, reason);
  }

  @Override
  public void tick(long nowNanos) {
    if (closing || ws.isClosed()) {
      return;
    }
    liveness.keepAlive(nowNanos, true, this, () -> ws.writePing(Buffer.buffer()));
  }

  private void closed() {
    // The code of the close handshake: the client's when it closed first, else the server's; 1006 without one.
    Short received = ws.closeStatusCode();
    int code = received != null ? received : closing ? closeCode : 1006;
    String reason = received != null && ws.closeReason() != null ? ws.closeReason() : closeReason;
    metrics.closed(code);
    if (logged) {
      LOG.info("connection {} closed from {}: code {}{}", id, remote, code == 1006 ? "1006 (no close frame)" : code,
          reason == null || reason.isEmpty() ? "" : " " + reason);
    }
    onClosed.accept(this);
  }
}
