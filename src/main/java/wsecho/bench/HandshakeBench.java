package wsecho.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --handshakes}: how many connections a server takes per second, each one the whole life
 * of a short-lived browser connection: TCP connect, opening handshake, one text echo, closing
 * handshake, and the server's TCP close. {@code --connections} loops run at once.
 *
 * <p>Each connection is driven over a plain TCP socket with pre-built bytes, and everything that
 * comes back is checked (status 101, the {@code Sec-WebSocket-Accept} value, the echo, the close
 * frame, the server closing TCP). Vert.x's own WebSocket client spent about 400 us of CPU per
 * connection here, more than the servers being measured, so a load generator built on it measured
 * itself. Connections rotate through {@link #SOURCES} source addresses on loopback, so that the
 * ports of connections the server has just closed (in TIME_WAIT on its side for 60 s) come round
 * again rarely (about 28,000 ports each). A host with netfilter's conntrack loaded tracks loopback
 * connections as well and keeps each closed one for 120 s: at 3,000-4,000 handshakes/s that fills
 * its default table (262,144 entries here) and the kernel drops new SYNs ("nf_conntrack: table
 * full, dropping packet"), which shows here as connects timing out after 20 s; bench/run.sh raises
 * the table's size for its run.
 */
final class HandshakeBench {

  static final int SOURCES = 500;
  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};
  private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);
  private static final long TIMEOUT_MS = 30_000;

  private final BenchOptions options;
  private final PrintStream out;
  private final Buffer request;
  private final String acceptHeader;
  private final Buffer textFrame = maskedFrame(0x81, HELLO);
  private final Buffer closeFrame = maskedFrame(0x88, new byte[] {0x03, (byte) 0xe8});
  /** Why connections failed, and how often. */
  private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

  HandshakeBench(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.request = Buffer.buffer("GET " + options.path() + " HTTP/1.1\r\n"
        + "Host: " + options.host() + ":" + options.port() + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + KEY + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n\r\n");
    this.acceptHeader = "\r\nsec-websocket-accept: " + accept(KEY).toLowerCase(Locale.ROOT) + "\r\n";
  }

  int run() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.threads()));
    try {
      List<NetClient> clients = new ArrayList<>();
      for (int s = 0; s < SOURCES; s++) {
        NetClientOptions clientOptions = new NetClientOptions().setConnectTimeout(20_000).setTcpNoDelay(true)
            .setSsl(options.ssl()).setTrustAll(true).setHostnameVerificationAlgorithm("");
        if (options.host().startsWith("127.")) {
          clientOptions.setLocalAddress(sourceAddress(s));
        }
        clients.add(vertx.createNetClient(clientOptions));
      }
      Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
      AtomicLong done = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      long end = System.nanoTime() + options.warmup().toNanos() + options.duration().toNanos();
      List<Future<Void>> loops = new ArrayList<>();
      for (int i = 0; i < options.connections(); i++) {
        Promise<Void> finished = Promise.promise();
        loops.add(finished.future());
        int loop = i;
        vertx.runOnContext(v -> loop(vertx, clients, loop, end, latency, done, failed, finished));
      }
      // Warm-up (JIT on both sides, pooled buffers), then the measured window.
      Thread.sleep(options.warmup().toMillis());
      long warmedUp = done.get();
      synchronized (latency) {
        latency.reset();
      }
      long start = System.nanoTime();
      long last = warmedUp;
      int second = 0;
      while (System.nanoTime() < end) {
        Thread.sleep(Math.max(1, Math.min(1000, (end - System.nanoTime()) / 1_000_000)));
        long now = done.get();
        if (!options.quiet()) {
          out.printf("[%3ds] %,8d handshakes/s  failed %d%n", ++second, now - last, failed.get());
        }
        last = now;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long handshakes = done.get() - warmedUp;
      Future.join(new ArrayList<>(loops)).toCompletionStage().toCompletableFuture().exceptionally(t -> null)
          .get(60, TimeUnit.SECONDS);
      synchronized (latency) {
        double p50 = latency.getValueAtPercentile(50) / 1000.0;
        double p99 = latency.getValueAtPercentile(99) / 1000.0;
        out.printf(Locale.ROOT, "  %,.0f handshakes/s (connect, one echo, close), %d failed; connect+echo p50 %.3f ms, p99 %.3f ms%n",
            handshakes / seconds, failed.get(), p50, p99);
        // Why, even when quiet: a failure count alone cannot be followed up.
        failures.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue().get(), a.getValue().get())).limit(10)
            .forEach(failure -> out.printf(Locale.ROOT, "  failed %,d x: %s%n", failure.getValue().get(), failure.getKey()));
        // total: every connection completed, the warm-up's too (for CPU per handshake over the whole run)
        out.printf(Locale.ROOT, "RESULT mode=handshakes handshakes_per_s=%.0f failed=%d p50_ms=%.3f p99_ms=%.3f total=%d%n",
            handshakes / seconds, failed.get(), p50, p99, done.get());
      }
      return failed.get() == 0 ? 0 : 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  private void loop(Vertx vertx, List<NetClient> clients, int loop, long end, Histogram latency, AtomicLong done,
                    AtomicLong failed, Promise<Void> finished) {
    if (System.nanoTime() >= end) {
      finished.tryComplete();
      return;
    }
    long start = System.nanoTime();
    NetClient client = clients.get((int) ((done.get() + failed.get() + loop) % clients.size()));
    client.connect(options.port(), options.host())
        .compose(socket -> new Conversation(vertx, socket, start, latency).finished())
        .onComplete(result -> {
          if (result.succeeded()) {
            done.incrementAndGet();
          } else {
            failed.incrementAndGet();
            failures.computeIfAbsent(String.valueOf(result.cause().getMessage()), why -> new AtomicLong()).incrementAndGet();
            if (!options.quiet()) {
              out.println("  handshake failed: " + result.cause().getMessage());
            }
          }
          loop(vertx, clients, loop, end, latency, done, failed, finished);
        });
  }

  /** One connection's life, checked step by step as its bytes arrive. */
  private final class Conversation {
    private enum Step { RESPONSE, ECHO, CLOSE, SERVER_FIN }

    private final NetSocket socket;
    private final long start;
    private final Histogram latency;
    private final Promise<Void> result = Promise.promise();
    private final long timer;
    private Buffer received = Buffer.buffer();
    private Step step = Step.RESPONSE;

    Conversation(Vertx vertx, NetSocket socket, long start, Histogram latency) {
      this.socket = socket;
      this.start = start;
      this.latency = latency;
      this.timer = vertx.setTimer(TIMEOUT_MS, t -> fail("no answer within " + TIMEOUT_MS + " ms at step " + step));
      socket.handler(this::read);
      socket.exceptionHandler(e -> fail(e.toString()));
      socket.closeHandler(v -> {
        vertx.cancelTimer(timer);
        if (step == Step.SERVER_FIN) {
          result.tryComplete();
        } else {
          result.tryFail("connection closed at step " + step);
        }
      });
      socket.write(request);
    }

    Future<Void> finished() {
      return result.future();
    }

    private void fail(String why) {
      result.tryFail(why);
      socket.close();
    }

    private void read(Buffer data) {
      received.appendBuffer(data);
      if (step == Step.RESPONSE) {
        String text = received.toString(StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        String head = text.substring(0, end + 2).toLowerCase(Locale.ROOT);
        if (!head.startsWith("http/1.1 101 ") || !head.contains(acceptHeader)) {
          fail("not a valid 101 response: " + head.lines().findFirst().orElse(""));
          return;
        }
        received = received.getBuffer(end + 4, received.length());
        step = Step.ECHO;
        socket.write(textFrame);
      }
      while (step == Step.ECHO || step == Step.CLOSE) {
        if (received.length() < 2) {
          return;
        }
        int opcode = received.getByte(0) & 0x0f;
        int length = received.getByte(1) & 0x7f;
        if ((received.getByte(1) & 0x80) != 0 || length > 125) {
          fail("unexpected frame header from the server");
          return;
        }
        if (received.length() < 2 + length) {
          return;
        }
        Buffer payload = received.getBuffer(2, 2 + length);
        received = received.getBuffer(2 + length, received.length());
        if (opcode == 0x9 || opcode == 0xA) {
          continue; // ping or pong: not part of this conversation
        }
        if (step == Step.ECHO && opcode == 0x1 && payload.equals(Buffer.buffer(HELLO))) {
          long micros = (System.nanoTime() - start) / 1000;
          synchronized (latency) {
            latency.recordValue(Math.min(micros, TimeUnit.SECONDS.toMicros(60)));
          }
          step = Step.CLOSE;
          socket.write(closeFrame);
        } else if (step == Step.CLOSE && opcode == 0x8 && length >= 2 && payload.getUnsignedShort(0) == 1000) {
          step = Step.SERVER_FIN; // the server closes TCP next
        } else {
          fail("unexpected frame, opcode " + opcode + " at step " + step);
          return;
        }
      }
    }
  }

  /** 127.0.1.1 ... 127.0.1.250, 127.0.2.1 ...: all of 127/8 is loopback on Linux. */
  static String sourceAddress(int index) {
    return "127.0." + (1 + index / 250) + "." + (1 + index % 250);
  }

  private static Buffer maskedFrame(int firstByte, byte[] payload) {
    Buffer frame = Buffer.buffer().appendByte((byte) firstByte).appendByte((byte) (0x80 | payload.length)).appendBytes(MASK);
    for (int i = 0; i < payload.length; i++) {
      frame.appendByte((byte) (payload[i] ^ MASK[i & 3]));
    }
    return frame;
  }

  private static String accept(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1")
          .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
