package wsecho.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Echo throughput: N connections each keep W messages in flight, and every echo is checked byte
 * for byte (type, length, content, order) before the next message goes. Latency is recorded per
 * message with HdrHistogram; one progress line a second; one summary at the end.
 *
 * <p>Two load shapes. By default the next messages are written while echoes are being read and
 * flushed together when the read is done: many frames share one TCP segment and the server reads
 * many messages per read. With {@code --write-per-message} (and with {@code --rate}) each message
 * is flushed on its own: one TCP write per message, as a browser (one {@code WebSocket.send} per
 * message) or most client libraries send.
 *
 * <p>The client is a bare Netty channel per connection that writes and parses frames itself. Each
 * frame gets a fresh random masking key (RFC 6455 5.3), applied eight bytes at a time while the
 * message is copied into the frame; each echo is compared with the message where it lies in the
 * read buffer, as it arrives, so a message costs the generator one pass to send and one to check.
 * On Vert.x's WebSocket client it cost about six (copy, mask, decoder cumulation and copy,
 * aggregation, the check's own copy): at 256 KiB the generator's one core was saturated at ~1,100
 * msg/s while the server under test used about half of its half core, so the generator, not the
 * server, set the rate.
 */
final class LoadGenerator {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final int CONTINUATION = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;
  private static final int FIN = 0x80, RSV1 = 0x40;
  /** What a sync-flushed deflate block ends with, left off each compressed message (RFC 7692 7.2.1). */
  private static final byte[] DEFLATE_TAIL = {0x00, 0x00, (byte) 0xff, (byte) 0xff};
  private static final long CLOSE_WAIT_MS = 5_000;

  private final BenchOptions options;
  private final PrintStream out;
  private final byte[] template;
  private final ByteBuf templateBuffer; // the same bytes, where the frames are copied and checked from
  private final int prefix; // bytes of the sequence number at the start of each message
  private final Recorder latency = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
  private final AtomicLong echoed = new AtomicLong();
  private final AtomicLong echoedBytes = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong mismatches = new AtomicLong();
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong compressing = new AtomicLong(); // connections with permessage-deflate
  private volatile boolean sending = true;
  private ClientChannels channels;
  private ByteBuf request;

  LoadGenerator(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.template = new byte[options.size()];
    Random random = new Random(42);
    for (int i = 0; i < template.length; i++) {
      template[i] = options.binary() ? (byte) random.nextInt(256) : (byte) ('a' + random.nextInt(26));
    }
    this.templateBuffer = Unpooled.unreleasableBuffer(Unpooled.directBuffer(template.length).writeBytes(template));
    this.prefix = options.binary() ? 8 : 16;
  }

  /** Runs the whole measurement and returns the exit code: 0 when every echo matched. */
  int run() throws Exception {
    channels = new ClientChannels(options);
    request = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(
        channels.upgradeRequest(options.deflate() ? "permessage-deflate" : null).getBytes(StandardCharsets.US_ASCII)));
    List<Connection> connections = new ArrayList<>();
    List<ScheduledFuture<?>> rateTimers = new ArrayList<>();
    try {
      Bootstrap bootstrap = channels.bootstrap();
      InetSocketAddress server = new InetSocketAddress(options.host(), options.port());
      for (int i = 0; i < options.connections(); i++) {
        Connection connection = new Connection();
        connections.add(connection);
        bootstrap.connect(server).addListener((ChannelFuture connect) -> {
          if (connect.isSuccess()) {
            connection.start(connect.channel());
          } else {
            connection.upgraded.completeExceptionally(connect.cause());
          }
        });
      }
      CompletableFuture<?>[] upgrades = connections.stream().map(c -> c.upgraded).toArray(CompletableFuture[]::new);
      try {
        CompletableFuture.allOf(upgrades).exceptionally(failure -> null).get(60, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        // counted below as failed
      }
      List<Connection> failed = connections.stream().filter(c -> !c.upgraded.isDone() || c.upgraded.isCompletedExceptionally()).toList();
      if (!failed.isEmpty()) {
        out.printf("%d of %d connections failed: %s%n", failed.size(), options.connections(), failed.get(0).failure());
        errors.addAndGet(failed.size());
      }
      if (options.rate() > 0) {
        startRateTimers(connections, rateTimers);
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
      if (options.deflate()) {
        out.printf("  permessage-deflate on %d of %d connections%n", compressing.get(), opened.get());
      }
      out.printf(Locale.ROOT, "RESULT mode=echo size=%d type=%s connections=%d window=%d writes=%s msgs_per_s=%.0f mb_per_s=%.2f "
              + "p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f messages=%d errors=%d mismatches=%d opened=%d%n",
          options.size(), options.binary() ? "binary" : "text", options.connections(), options.window(),
          options.writePerMessage() || options.rate() > 0 ? "per-message" : "coalesced", messages / seconds,
          bytes / seconds / 1e6, ms(total.getValueAtPercentile(50)), ms(total.getValueAtPercentile(99)),
          ms(total.getValueAtPercentile(99.9)), ms(total.getMaxValue()), messages, errors.get(), mismatches.get(), opened.get());
      return errors.get() == 0 && mismatches.get() == 0 ? 0 : 1;
    } finally {
      sending = false;
      rateTimers.forEach(timer -> timer.cancel(false));
      closeAll(connections);
      channels.shutdown();
    }
  }

  private String shape() {
    return options.writePerMessage() || options.rate() > 0 ? "one TCP write per message" : "writes coalesced per read";
  }

  private static double ms(long micros) {
    return micros / 1000.0;
  }

  /** One timer per event loop hands its connections their share of the rate every millisecond. */
  private void startRateTimers(List<Connection> connections, List<ScheduledFuture<?>> timers) {
    double perConnectionPerMs = options.rate() / 1000.0 / connections.size();
    Map<EventLoop, List<Connection>> byLoop = new LinkedHashMap<>();
    for (Connection connection : connections) {
      if (connection.channel != null) {
        byLoop.computeIfAbsent(connection.channel.eventLoop(), loop -> new ArrayList<>()).add(connection);
      }
    }
    byLoop.forEach((loop, own) -> timers.add(loop.scheduleAtFixedRate(() -> {
      for (Connection connection : own) {
        connection.credit(perConnectionPerMs);
      }
    }, 1, 1, TimeUnit.MILLISECONDS)));
  }

  /** The closing handshake on every connection, then up to {@link #CLOSE_WAIT_MS} for the servers' TCP close. */
  private void closeAll(List<Connection> connections) throws InterruptedException {
    for (Connection connection : connections) {
      if (connection.channel != null) {
        connection.channel.eventLoop().execute(connection::sendClose);
      }
    }
    CompletableFuture<?>[] closed = connections.stream().filter(c -> c.channel != null).map(c -> c.closed)
        .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(closed).get(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // the event loops' shutdown closes what is left
    }
  }

  /** One connection: its window of messages in flight, and the check of each echo as it arrives. */
  private final class Connection extends ChannelInboundHandlerAdapter {
    final CompletableFuture<Void> upgraded = new CompletableFuture<>();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    private Channel channel;
    private ByteBuf head; // the upgrade's response, until it has all arrived
    private long nextSeq;
    private long expectedSeq;
    private final long[] sentAt = new long[options.window()];
    private double credits;
    private boolean flushOwed; // coalesced: frames written during this read, flushed when it completes
    private boolean closeSent;
    private boolean failed; // counted already: a protocol error
    // permessage-deflate, when the server accepted it
    private Deflater deflater;
    private Inflater inflater;
    private ByteBuf compressed; // a compressed echo's payload until its last frame
    // The frame being read: its header, then how much of its payload is still to come.
    private final byte[] header = new byte[10];
    private int headerLength;
    private int headerNeeded = 2;
    private boolean inPayload;
    private long payloadLeft;
    private int frameOpcode;
    private boolean frameFin;
    private ByteBuf control; // a control frame's payload
    // The message being read.
    private boolean messageOpen;
    private boolean messageBinary;
    private boolean messageCompressed;
    private long messageOffset;
    private long messageSeq;
    private boolean messageIntact;

    void start(Channel channel) {
      this.channel = channel;
      head = channel.alloc().buffer(256);
      channel.pipeline().addLast(this);
      if (channels.ssl() != null) {
        // Writes wait in the TLS handler until its handshake is done.
        channel.pipeline().addFirst(channels.ssl().newHandler(channel.alloc(), options.host(), options.port()));
      }
      channel.writeAndFlush(request.duplicate());
    }

    String failure() {
      return upgraded.isDone() ? upgraded.handle((ok, failure) -> String.valueOf(failure)).join() : "no upgrade within 60 s";
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf data = (ByteBuf) msg;
      try {
        if (head != null) {
          head.writeBytes(data);
          upgrade(ctx);
        } else {
          frames(data);
        }
      } finally {
        data.release();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (flushOwed) {
        flushOwed = false;
        ctx.flush();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (head != null) {
        head.release();
        head = null;
      }
      if (compressed != null) {
        compressed.release();
        compressed = null;
      }
      if (control != null) {
        control.release();
        control = null;
      }
      if (inflater != null) {
        inflater.end();
        deflater.end();
      }
      if (!upgraded.isDone()) {
        upgraded.completeExceptionally(new IOException("connection closed before the upgrade"));
      } else if (sending && !upgraded.isCompletedExceptionally() && !failed) {
        errors.incrementAndGet(); // the server closed a connection while echoes were expected
      }
      closed.complete(null);
    }

    /** Before the upgrade, the connection's failure; after it, counted when the channel closes while sending. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      upgraded.completeExceptionally(cause);
      ctx.close();
    }

    private void upgrade(ChannelHandlerContext ctx) {
      String response = ClientChannels.responseHead(head);
      if (response == null) {
        return;
      }
      String refusal = channels.refusal(response);
      if (refusal != null) {
        upgraded.completeExceptionally(new IOException(refusal));
        ctx.close();
        return;
      }
      if (options.deflate() && response.lines().anyMatch(line -> line.startsWith("sec-websocket-extensions:")
          && line.contains("permessage-deflate"))) {
        // Each message is compressed on its own (no context takeover is always the client's to
        // choose); echoes are inflated with one stream, which reads either kind the server sends.
        deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        inflater = new Inflater(true);
        compressing.incrementAndGet();
      }
      ByteBuf rest = head;
      head = null;
      opened.incrementAndGet();
      upgraded.complete(null);
      if (options.rate() == 0) {
        fill();
        ctx.flush();
        flushOwed = false;
      }
      try {
        frames(rest);
      } finally {
        rest.release();
      }
    }

    void credit(double amount) {
      if (!upgraded.isDone() || upgraded.isCompletedExceptionally() || !channel.isActive()) {
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
      sentAt[(int) (seq % sentAt.length)] = System.nanoTime();
      ByteBuf frame = deflater != null ? compressedFrame(seq) : frame(seq);
      if (options.writePerMessage() || options.rate() > 0) {
        channel.writeAndFlush(frame, channel.voidPromise());
      } else {
        channel.write(frame, channel.voidPromise());
        flushOwed = true;
      }
    }

    /** The message with its sequence number, masked with a fresh key as it is copied into the frame. */
    private ByteBuf frame(long seq) {
      ByteBuf frame = maskedFrame((options.binary() ? BINARY : TEXT) | FIN, templateBuffer, 0, template.length);
      int base = frame.writerIndex() - template.length;
      int mask = frame.getInt(base - 4); // the key, last in the header
      for (int i = 0; i < prefix; i++) {
        frame.setByte(base + i, sequenceByte(seq, i) ^ maskByte(mask, i));
      }
      return frame;
    }

    /** --deflate: the message compressed on its own, its tail left off, in one masked frame with RSV1 set. */
    private ByteBuf compressedFrame(long seq) {
      byte[] message = template.clone();
      for (int i = 0; i < prefix; i++) {
        message[i] = (byte) sequenceByte(seq, i);
      }
      deflater.reset();
      deflater.setInput(message);
      byte[] packed = new byte[message.length + 64];
      int length = 0;
      while (true) {
        length += deflater.deflate(packed, length, packed.length - length, Deflater.SYNC_FLUSH);
        if (length < packed.length) {
          break;
        }
        packed = Arrays.copyOf(packed, packed.length * 2);
      }
      return maskedFrame((options.binary() ? BINARY : TEXT) | FIN | RSV1, Unpooled.wrappedBuffer(packed), 0,
          length - DEFLATE_TAIL.length);
    }

    private void writeControl(int opcode, ByteBuf payload) {
      channel.writeAndFlush(maskedFrame(opcode | FIN, payload, payload.readerIndex(), payload.readableBytes()),
          channel.voidPromise());
    }

    /** Byte {@code i} of the sequence number at the start of a message: 8 bytes big-endian, or 16 hex digits. */
    private int sequenceByte(long seq, int i) {
      return options.binary() ? (int) (seq >>> (56 - 8 * i)) & 0xff : HEX[(int) (seq >>> (60 - 4 * i)) & 0xf];
    }

    /**
     * A client frame: the header with a fresh masking key, then the payload masked eight bytes at a
     * time as it is copied in.
     */
    private ByteBuf maskedFrame(int firstByte, ByteBuf payload, int index, int length) {
      int mask = ThreadLocalRandom.current().nextInt();
      ByteBuf frame = channel.alloc().directBuffer(14 + length);
      frame.writeByte(firstByte);
      if (length < 126) {
        frame.writeByte(0x80 | length);
      } else if (length < 65536) {
        frame.writeByte(0x80 | 126).writeShort(length);
      } else {
        frame.writeByte(0x80 | 127).writeLong(length);
      }
      frame.writeInt(mask);
      int base = frame.writerIndex();
      long mask8 = ((long) mask << 32) | (mask & 0xffffffffL);
      int i = 0;
      for (; i + 8 <= length; i += 8) {
        frame.setLong(base + i, payload.getLong(index + i) ^ mask8);
      }
      for (; i < length; i++) {
        frame.setByte(base + i, payload.getByte(index + i) ^ maskByte(mask, i));
      }
      return frame.writerIndex(base + length);
    }

    void sendClose() {
      if (!closeSent && channel.isActive() && upgraded.isDone() && !upgraded.isCompletedExceptionally()) {
        closeSent = true;
        writeControl(CLOSE, Unpooled.wrappedBuffer(new byte[] {0x03, (byte) 0xe8})); // 1000
      } else if (!upgraded.isDone() || upgraded.isCompletedExceptionally()) {
        channel.close();
      }
    }

    // ---- what comes back ----------------------------------------------------------------------

    /** Frame headers are taken byte by byte (a header split between reads needs no copy of the read); payload as it lies. */
    private void frames(ByteBuf in) {
      while (in.isReadable() && channel.isActive()) {
        if (!inPayload) {
          header[headerLength++] = in.readByte();
          if (headerLength == 2) {
            if ((header[1] & 0x80) != 0) {
              protocolError();
              return;
            }
            int length7 = header[1] & 0x7f;
            headerNeeded = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0);
          }
          if (headerLength >= 2 && headerLength == headerNeeded) {
            frameStart();
          }
          continue;
        }
        int n = (int) Math.min(payloadLeft, in.readableBytes());
        payload(in, in.readerIndex(), n);
        in.skipBytes(n);
        payloadLeft -= n;
        if (payloadLeft == 0) {
          frameEnd();
        }
      }
    }

    private void frameStart() {
      frameFin = (header[0] & FIN) != 0;
      boolean rsv1 = (header[0] & RSV1) != 0;
      frameOpcode = header[0] & 0x0f;
      int length7 = header[1] & 0x7f;
      payloadLeft = length7 < 126 ? length7 : length7 == 126
          ? ((header[2] & 0xff) << 8) | (header[3] & 0xff)
          : Unpooled.wrappedBuffer(header, 2, 8).getLong(0);
      headerLength = 0;
      headerNeeded = 2;
      inPayload = true;
      if (frameOpcode >= CLOSE) {
        if (payloadLeft > 125 || !frameFin) {
          protocolError();
          return;
        }
        control = channel.alloc().buffer((int) payloadLeft);
      } else if (frameOpcode == TEXT || frameOpcode == BINARY) {
        if (messageOpen) {
          mismatches.incrementAndGet(); // a new message inside one not finished
        }
        messageOpen = true;
        messageBinary = frameOpcode == BINARY;
        messageCompressed = rsv1 && inflater != null;
        messageOffset = 0;
        messageSeq = 0;
        messageIntact = !rsv1 || inflater != null;
        if (messageCompressed) {
          compressed = channel.alloc().buffer();
        }
      } else if (frameOpcode != CONTINUATION || !messageOpen) {
        protocolError();
        return;
      }
      if (payloadLeft == 0) {
        frameEnd();
      }
    }

    private void payload(ByteBuf in, int index, int length) {
      if (frameOpcode >= CLOSE) {
        control.writeBytes(in, index, length);
      } else if (messageCompressed) {
        compressed.writeBytes(in, index, length);
      } else {
        check(in, index, length);
      }
    }

    private void frameEnd() {
      inPayload = false;
      if (frameOpcode >= CLOSE) {
        ByteBuf payload = control;
        control = null;
        try {
          if (frameOpcode == PING) {
            writeControl(PONG, payload);
          } else if (frameOpcode == CLOSE) {
            if (sending) {
              failed = true;
              errors.incrementAndGet(); // the server closed while echoes were expected
            }
            sendClose();
          }
        } finally {
          payload.release();
        }
      } else if (frameFin) {
        if (messageCompressed) {
          inflateAndCheck();
        }
        messageEnd();
      }
    }

    /**
     * Compares what arrived with the message at the same place: the sequence number's bytes are
     * gathered, the rest is compared eight bytes at a time where it lies.
     */
    private void check(ByteBuf in, int index, int length) {
      long offset = messageOffset;
      messageOffset += length;
      if (messageOffset > template.length) {
        messageIntact = false;
        return;
      }
      int i = 0;
      for (; i < length && offset + i < prefix; i++) {
        int b = in.getByte(index + i) & 0xff;
        if (messageBinary) {
          messageSeq = (messageSeq << 8) | b;
        } else {
          int digit = Character.digit(b, 16);
          messageIntact &= digit >= 0;
          messageSeq = (messageSeq << 4) | Math.max(digit, 0);
        }
      }
      if (i < length && !ByteBufUtil.equals(in, index + i, templateBuffer, (int) offset + i, length - i)) {
        messageIntact = false;
      }
    }

    private void inflateAndCheck() {
      ByteBuf input = compressed.writeBytes(DEFLATE_TAIL);
      compressed = null;
      try {
        inflater.setInput(input.nioBuffer());
        byte[] message = new byte[template.length + 1]; // one byte more: an echo too long shows
        int length = 0;
        while (length < message.length) {
          int n = inflater.inflate(message, length, message.length - length);
          if (n == 0 && (inflater.needsInput() || inflater.finished() || inflater.needsDictionary())) {
            break;
          }
          length += n;
        }
        if (inflater.finished()) {
          inflater.reset();
        }
        check(Unpooled.wrappedBuffer(message, 0, length), 0, length);
      } catch (DataFormatException e) {
        messageIntact = false;
      } finally {
        input.release();
      }
    }

    private void messageEnd() {
      messageOpen = false;
      long seq = expectedSeq++;
      long rtt = System.nanoTime() - sentAt[(int) (seq % sentAt.length)];
      boolean ok = messageIntact && messageBinary == options.binary() && messageOffset == template.length
          && messageSeq == seq && seq < nextSeq;
      if (ok) {
        latency.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(rtt), TimeUnit.SECONDS.toMicros(60)));
        echoed.incrementAndGet();
        echoedBytes.addAndGet(template.length);
      } else {
        mismatches.incrementAndGet();
      }
      fill();
    }

    /** A frame no server may send: counted once, and the connection closed. */
    private void protocolError() {
      failed = true;
      errors.incrementAndGet();
      channel.close();
    }
  }

  private static int maskByte(int mask, int index) {
    return mask >>> (24 - 8 * (index & 3));
  }
}
