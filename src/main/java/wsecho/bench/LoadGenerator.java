package wsecho.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Echo throughput: N connections each keep W messages in flight, and every echo is checked byte
 * for byte (type, length, content, order) before the next message goes. Latency is recorded per
 * message with HdrHistogram; one progress line a second; one summary at the end.
 *
 * <p>Two load shapes. By default the next messages are written while echoes are being read, so
 * Vert.x flushes them together at the end of the read: many frames share one TCP segment and the
 * server reads many messages per read. With {@code --write-per-message} they are written after the
 * read, where Vert.x flushes each write at once: one TCP write per message, as a browser (one
 * {@code WebSocket.send} per message) or most client libraries send.
 */
final class LoadGenerator {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private final BenchOptions options;
  private final PrintStream out;
  private final byte[] template;
  private final int prefix; // bytes of the sequence number at the start of each message
  private final Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
  private final AtomicLong echoed = new AtomicLong();
  private final AtomicLong echoedBytes = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong mismatches = new AtomicLong();
  private final AtomicLong opened = new AtomicLong();
  private volatile boolean sending = true;

  LoadGenerator(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.template = new byte[options.size()];
    Random random = new Random(42);
    for (int i = 0; i < template.length; i++) {
      template[i] = options.binary() ? (byte) random.nextInt(256) : (byte) ('a' + random.nextInt(26));
    }
    this.prefix = options.binary() ? 8 : 16;
  }

  /** Runs the whole measurement and returns the exit code: 0 when every echo matched. */
  int run() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.threads()));
    try {
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
          .setMaxConnections(options.connections() + 16)
          .setMaxFrameSize(Math.max(65536, options.size() + 16))
          .setMaxMessageSize(Math.max(65536, options.size() + 16))
          .setTcpNoDelay(true)
          .setConnectTimeout(10_000)
          .setTrustAll(true).setVerifyHost(false)
          .setTryUsePerMessageCompression(options.deflate()));
      List<Connection> connections = new ArrayList<>();
      List<Future<?>> connected = new ArrayList<>();
      for (int i = 0; i < options.connections(); i++) {
        Connection connection = new Connection();
        connections.add(connection);
        connected.add(client.connect(new WebSocketConnectOptions().setHost(options.host()).setPort(options.port())
            .setURI(options.path()).setSsl(options.ssl())).onSuccess(connection::start));
      }
      Future.join(connected).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      long failedToConnect = connected.stream().filter(Future::failed).count();
      if (failedToConnect > 0) {
        out.printf("%d of %d connections failed: %s%n", failedToConnect, options.connections(),
            connected.stream().filter(Future::failed).findFirst().map(f -> f.cause().toString()).orElse(""));
        errors.addAndGet(failedToConnect);
      }
      if (options.rate() > 0) {
        startRateTimer(vertx, connections);
      }

      // Warm-up, then the measured window with a progress line a second.
      Thread.sleep(options.warmup().toMillis());
      latency.reset();
      long startEchoed = echoed.get();
      long startBytes = echoedBytes.get();
      long start = System.nanoTime();
      long end = start + options.duration().toNanos();
      Histogram total = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
      Histogram interval = null;
      long lastEchoed = startEchoed;
      long lastTick = start;
      int second = 0;
      while (System.nanoTime() < end) {
        Thread.sleep(Math.max(1, Math.min(1000, (end - System.nanoTime()) / 1_000_000)));
        interval = latency.getIntervalHistogram(interval);
        total.add(interval);
        long now = System.nanoTime();
        long count = echoed.get();
        if (!options.quiet()) {
          out.printf(Locale.ROOT, "[%3ds] %,10.0f msg/s  p50 %7.3f ms  p99 %7.3f ms  errors %d  mismatches %d%n", ++second,
              (count - lastEchoed) * 1e9 / (now - lastTick), ms(interval.getValueAtPercentile(50)),
              ms(interval.getValueAtPercentile(99)), errors.get(), mismatches.get());
        }
        lastEchoed = count;
        lastTick = now;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long messages = echoed.get() - startEchoed;
      long bytes = echoedBytes.get() - startBytes;
      sending = false;
      out.printf(Locale.ROOT, "%s %d B %s messages, %d connections x window %d%s, %s, %.1f s measured after %.1f s warm-up%n",
          options.url(), options.size(), options.binary() ? "binary" : "text", options.connections(), options.window(),
          options.rate() > 0 ? ", rate " + options.rate() + "/s" : "", shape(), seconds, options.warmup().toMillis() / 1000.0);
      out.printf(Locale.ROOT, "  %,.0f msg/s, %.2f MB/s each way; latency p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n",
          messages / seconds, bytes / seconds / 1e6, ms(total.getValueAtPercentile(50)), ms(total.getValueAtPercentile(99)),
          ms(total.getValueAtPercentile(99.9)), ms(total.getMaxValue()));
      out.printf("  %d messages echoed and verified, %d errors, %d mismatches, %d connections opened%n",
          messages, errors.get(), mismatches.get(), opened.get());
      out.printf(Locale.ROOT, "RESULT mode=echo size=%d type=%s connections=%d window=%d writes=%s msgs_per_s=%.0f mb_per_s=%.2f "
              + "p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f messages=%d errors=%d mismatches=%d opened=%d%n",
          options.size(), options.binary() ? "binary" : "text", options.connections(), options.window(),
          options.writePerMessage() || options.rate() > 0 ? "per-message" : "coalesced", messages / seconds,
          bytes / seconds / 1e6, ms(total.getValueAtPercentile(50)), ms(total.getValueAtPercentile(99)),
          ms(total.getValueAtPercentile(99.9)), ms(total.getMaxValue()), messages, errors.get(), mismatches.get(), opened.get());
      return errors.get() == 0 && mismatches.get() == 0 ? 0 : 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private String shape() {
    return options.writePerMessage() || options.rate() > 0 ? "one TCP write per message" : "writes coalesced per read";
  }

  private static double ms(long micros) {
    return micros / 1000.0;
  }

  private void startRateTimer(Vertx vertx, List<Connection> connections) {
    double perConnectionPerMs = options.rate() / 1000.0 / connections.size();
    vertx.setPeriodic(1, t -> {
      for (Connection connection : connections) {
        connection.credit(perConnectionPerMs);
      }
    });
  }

  /** One connection: its window of messages in flight and the check of each echo. */
  private final class Connection {
    private WebSocket socket;
    private long nextSeq;
    private long expectedSeq;
    private final long[] sentAt = new long[options.window()];
    private double credits;
    private Buffer partial;
    private boolean partialBinary;
    private Context context;
    private boolean refillScheduled;

    void start(WebSocket socket) {
      this.socket = socket;
      this.context = Vertx.currentContext();
      opened.incrementAndGet();
      socket.frameHandler(this::frame);
      socket.exceptionHandler(failure -> errors.incrementAndGet());
      socket.closeHandler(closed -> {
        if (sending) {
          errors.incrementAndGet();
        }
      });
      if (options.rate() == 0) {
        fill();
      }
    }

    void credit(double amount) {
      if (socket == null) {
        return;
      }
      credits = Math.min(credits + amount, options.window());
      fill();
    }

    private void fill() {
      while (sending && nextSeq - expectedSeq < options.window() && (options.rate() == 0 || credits >= 1)) {
        if (options.rate() > 0) {
          credits -= 1;
        }
        send();
      }
    }

    private void send() {
      long seq = nextSeq++;
      Buffer message = Buffer.buffer(template);
      if (options.binary()) {
        message.setLong(0, seq);
      } else {
        for (int i = 15, shift = 0; i >= 0; i--, shift += 4) {
          message.setByte(i, HEX[(int) (seq >>> shift) & 0xf]); // 16 hex digits, no String.format per message
        }
      }
      sentAt[(int) (seq % sentAt.length)] = System.nanoTime();
      if (options.binary()) {
        socket.writeBinaryMessage(message);
      } else {
        socket.writeFrame(WebSocketFrame.textFrame(message.toString(StandardCharsets.US_ASCII), true));
      }
    }

    private void frame(WebSocketFrame frame) {
      if (frame.type() == io.vertx.core.http.WebSocketFrameType.CLOSE || frame.isPing()
          || frame.type() == io.vertx.core.http.WebSocketFrameType.PONG) {
        return;
      }
      if (frame.isContinuation()) {
        partial.appendBuffer(frame.binaryData());
      } else {
        partial = frame.isFinal() ? frame.binaryData() : Buffer.buffer().appendBuffer(frame.binaryData());
        partialBinary = frame.isBinary();
      }
      if (frame.isFinal()) {
        check(partial, partialBinary);
        partial = null;
      }
    }

    private void check(Buffer echo, boolean binary) {
      long seq = expectedSeq++;
      long rtt = System.nanoTime() - sentAt[(int) (seq % sentAt.length)];
      byte[] bytes = echo.getBytes();
      boolean ok = binary == options.binary() && bytes.length == template.length
          && Arrays.equals(bytes, prefix, bytes.length, template, prefix, template.length)
          && seqOf(bytes) == seq;
      if (ok) {
        latency.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(rtt), TimeUnit.SECONDS.toMicros(60)));
        echoed.incrementAndGet();
        echoedBytes.addAndGet(bytes.length);
      } else {
        mismatches.incrementAndGet();
      }
      if (!options.writePerMessage()) {
        fill(); // inside the read: Vert.x flushes these writes together when the read completes
      } else if (!refillScheduled) {
        // After the read: outside a read Vert.x flushes every write on its own.
        refillScheduled = true;
        context.runOnContext(v -> {
          refillScheduled = false;
          fill();
        });
      }
    }

    private long seqOf(byte[] bytes) {
      if (options.binary()) {
        return Buffer.buffer(bytes).getLong(0);
      }
      try {
        return Long.parseUnsignedLong(new String(bytes, 0, 16, StandardCharsets.US_ASCII), 16);
      } catch (NumberFormatException e) {
        return -1;
      }
    }
  }
}
