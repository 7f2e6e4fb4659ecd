package wsecho.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --handshakes}: how many connections a server takes per second, each one the whole life
 * of a short-lived browser connection: TCP connect, opening handshake, one text echo, closing
 * handshake, and the server's TCP close. {@code --connections} loops run at once.
 *
 * <p>Each connection is a bare Netty channel (epoll where available) writing pre-built bytes, and
 * everything that comes back is checked (status 101, the {@code Sec-WebSocket-Accept} value, the
 * echo, the close frame, the server closing TCP). The load generator must cost less per connection
 * than the servers it measures: Vert.x's WebSocket client spent about 400 us of CPU per connection
 * here, and a Vert.x NetSocket per connection still 220-260 us (user and system), against 110-125 us
 * for the servers under test, so at 64 loops the generator's one core ran at 75-90% and its own
 * speed set the rate. Connections rotate through {@link #SOURCES} source addresses on loopback, so
 * that the ports of connections the server has just closed (in TIME_WAIT on its side for 60 s) come
 * round again rarely (about 28,000 ports each). A host with netfilter's conntrack loaded tracks
 * loopback connections as well and keeps each closed one for 120 s: at 3,000-4,000 handshakes/s
 * that fills its default table (262,144 entries here) and the kernel drops new SYNs ("nf_conntrack:
 * table full, dropping packet"), which shows here as connects timing out after 20 s; bench/run.sh
 * raises the table's size for its run.
 */
final class HandshakeBench {

  static final int SOURCES = 500;
  private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};
  private static final byte[] HELLO = "hello".getBytes(StandardCharsets.US_ASCII);
  private static final long TIMEOUT_MS = 30_000;

  private final BenchOptions options;
  private final PrintStream out;
  private ClientChannels channels;
  private ByteBuf request;
  private final ByteBuf textFrame = maskedFrame(0x81, HELLO);
  private final ByteBuf closeFrame = maskedFrame(0x88, new byte[] {0x03, (byte) 0xe8});
  private final ByteBuf hello = Unpooled.wrappedBuffer(HELLO);
  private final InetSocketAddress server;
  private final InetSocketAddress[] sources;
  private final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  /** Why connections failed, and how often. */
  private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
  private CountDownLatch loopsRunning;
  private long end;

  HandshakeBench(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.server = new InetSocketAddress(options.host(), options.port());
    boolean loopback = options.host().startsWith("127.");
    this.sources = new InetSocketAddress[loopback ? SOURCES : 1];
    for (int s = 0; s < sources.length; s++) {
      sources[s] = loopback ? new InetSocketAddress(sourceAddress(s), 0) : null;
    }
  }

  int run() throws Exception {
    channels = new ClientChannels(options);
    request = constant(channels.upgradeRequest(null).getBytes(StandardCharsets.US_ASCII));
    try {
      SslContext ssl = channels.ssl();
      Bootstrap bootstrap = channels.bootstrap();
      end = System.nanoTime() + options.warmup().toNanos() + options.duration().toNanos();
      loopsRunning = new CountDownLatch(options.connections());
      for (int i = 0; i < options.connections(); i++) {
        int loop = i;
        channels.group().next().execute(() -> next(bootstrap, ssl, loop));
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
      loopsRunning.await(60, TimeUnit.SECONDS);
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
      channels.shutdown();
    }
  }

  /** The loop's next connection, or its end once the time is up. */
  private void next(Bootstrap bootstrap, SslContext ssl, int loop) {
    if (System.nanoTime() >= end) {
      loopsRunning.countDown();
      return;
    }
    Conversation conversation = new Conversation(bootstrap, ssl, loop);
    InetSocketAddress source = sources[(int) ((done.get() + failed.get() + loop) % sources.length)];
    ChannelFuture connect = source == null ? bootstrap.connect(server) : bootstrap.connect(server, source);
    connect.addListener((ChannelFuture future) -> {
      if (future.isSuccess()) {
        conversation.start(future.channel());
      } else {
        conversation.finish(String.valueOf(future.cause().getMessage()));
      }
    });
  }

  /** One connection's life, checked step by step as its bytes arrive. */
  private final class Conversation extends ChannelInboundHandlerAdapter {
    private enum Step { RESPONSE, ECHO, CLOSE, SERVER_FIN, FINISHED }

    private final Bootstrap bootstrap;
    private final SslContext ssl;
    private final int loop;
    private final long start = System.nanoTime();
    private Channel channel;
    private ByteBuf received;
    private ScheduledFuture<?> timer;
    private Step step = Step.RESPONSE;

    Conversation(Bootstrap bootstrap, SslContext ssl, int loop) {
      this.bootstrap = bootstrap;
      this.ssl = ssl;
      this.loop = loop;
    }

    void start(Channel channel) {
      this.channel = channel;
      received = channel.alloc().buffer(256);
      timer = channel.eventLoop().schedule(() -> fail("no answer within " + TIMEOUT_MS + " ms at step " + step),
          TIMEOUT_MS, TimeUnit.MILLISECONDS);
      channel.pipeline().addLast(this);
      if (ssl != null) {
        // Writes wait in the TLS handler until its handshake is done.
        channel.pipeline().addFirst(ssl.newHandler(channel.alloc(), options.host(), options.port()));
      }
      channel.writeAndFlush(request.duplicate());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf data = (ByteBuf) msg;
      try {
        if (step != Step.FINISHED) {
          received.writeBytes(data);
          read();
        }
      } finally {
        data.release();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (step == Step.SERVER_FIN) {
        finish(null);
      } else {
        finish("connection closed at step " + step);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(cause.toString());
    }

    private void fail(String why) {
      finish(why);
      channel.close();
    }

    /** Counts the connection once (null: it succeeded) and starts the loop's next one. */
    void finish(String failure) {
      if (step == Step.FINISHED) {
        return;
      }
      step = Step.FINISHED;
      if (timer != null) {
        timer.cancel(false);
      }
      if (received != null) {
        received.release();
      }
      if (failure == null) {
        done.incrementAndGet();
      } else {
        failed.incrementAndGet();
        failures.computeIfAbsent(failure, why -> new AtomicLong()).incrementAndGet();
        if (!options.quiet()) {
          out.println("  handshake failed: " + failure);
        }
      }
      // From the task queue, not the stack: connects that fail at once would otherwise nest.
      channels.group().next().execute(() -> next(bootstrap, ssl, loop));
    }

    private void read() {
      if (step == Step.RESPONSE) {
        String head = ClientChannels.responseHead(received);
        if (head == null) {
          return;
        }
        String refusal = channels.refusal(head);
        if (refusal != null) {
          fail(refusal);
          return;
        }
        step = Step.ECHO;
        channel.writeAndFlush(textFrame.duplicate());
      }
      while (step == Step.ECHO || step == Step.CLOSE) {
        if (received.readableBytes() < 2) {
          return;
        }
        int at = received.readerIndex();
        int opcode = received.getByte(at) & 0x0f;
        int length = received.getByte(at + 1) & 0x7f;
        if ((received.getByte(at + 1) & 0x80) != 0 || length > 125) {
          fail("unexpected frame header from the server");
          return;
        }
        if (received.readableBytes() < 2 + length) {
          return;
        }
        ByteBuf payload = received.slice(at + 2, length);
        received.skipBytes(2 + length);
        if (opcode == 0x9 || opcode == 0xA) {
          continue; // ping or pong: not part of this conversation
        }
        if (step == Step.ECHO && opcode == 0x1 && payload.equals(hello)) {
          long micros = (System.nanoTime() - start) / 1000;
          synchronized (latency) {
            latency.recordValue(Math.min(micros, TimeUnit.SECONDS.toMicros(60)));
          }
          step = Step.CLOSE;
          channel.writeAndFlush(closeFrame.duplicate());
        } else if (step == Step.CLOSE && opcode == 0x8 && length >= 2 && payload.getUnsignedShort(0) == 1000) {
          step = Step.SERVER_FIN; // the server closes TCP next
        } else {
          fail("unexpected frame, opcode " + opcode + " at step " + step);
          return;
        }
      }
      received.discardReadBytes();
    }
  }

  /** 127.0.1.1 ... 127.0.1.250, 127.0.2.1 ...: all of 127/8 is loopback on Linux. */
  static String sourceAddress(int index) {
    return "127.0." + (1 + index / 250) + "." + (1 + index % 250);
  }

  /** Bytes written again and again: each write sends a duplicate, which a release does not free. */
  private static ByteBuf constant(byte[] bytes) {
    return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes));
  }

  private static ByteBuf maskedFrame(int firstByte, byte[] payload) {
    byte[] frame = new byte[6 + payload.length];
    frame[0] = (byte) firstByte;
    frame[1] = (byte) (0x80 | payload.length);
    System.arraycopy(MASK, 0, frame, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      frame[6 + i] = (byte) (payload[i] ^ MASK[i & 3]);
    }
    return constant(frame);
  }
}
