package wsecho.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;

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
 * {@code --slow-read B}: clients that send large messages and read their echoes slowly, as a phone
 * on a bad network does. Each connection sends one binary message of {@code --size} bytes, reads
 * its echo at B bytes per second through a small TCP receive buffer (so the server, not the
 * client's kernel, holds what is not read yet), checks it byte for byte, and sends the next.
 */
final class SlowReaderBench {

  private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  private static final byte[] MASK = {0x11, 0x22, 0x33, 0x44};
  private static final int RECEIVE_BUFFER = 16 * 1024;
  private static final long TICK_MS = 100;

  private final BenchOptions options;
  private final PrintStream out;
  private final byte[] template;
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong bytesRead = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final List<Reader> readers = new ArrayList<>();
  private final Buffer maskedRest;

  SlowReaderBench(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.template = new byte[Math.max(8, options.size())];
    new Random(11).nextBytes(template);
    byte[] rest = Arrays.copyOfRange(template, 8, template.length);
    for (int i = 0; i < rest.length; i++) {
      rest[i] ^= MASK[(8 + i) & 3];
    }
    this.maskedRest = Buffer.buffer(rest);
  }

  int run() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.threads()));
    try {
      NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(20_000)
          .setReceiveBufferSize(RECEIVE_BUFFER).setSsl(options.ssl()).setTrustAll(true).setHostnameVerificationAlgorithm(""));
      long start = System.nanoTime();
      long end = start + options.duration().toNanos();
      List<Future<?>> opened = new ArrayList<>();
      for (int i = 0; i < options.connections(); i++) {
        opened.add(client.connect(options.port(), options.host()).onSuccess(socket -> {
          Reader reader = new Reader(socket);
          synchronized (readers) {
            readers.add(reader);
          }
        }).onFailure(f -> errors.incrementAndGet()));
      }
      Future.join(opened).toCompletionStage().toCompletableFuture().exceptionally(t -> null).get(60, TimeUnit.SECONDS);
      // One timer gives every reader its allowance for the next tenth of a second.
      long timer = vertx.setPeriodic(TICK_MS, t -> {
        synchronized (readers) {
          readers.forEach(Reader::tick);
        }
      });
      int second = 0;
      long lastBytes = 0;
      while (System.nanoTime() < end) {
        Thread.sleep(Math.max(1, Math.min(1000, (end - System.nanoTime()) / 1_000_000)));
        if (!options.quiet()) {
          long now = bytesRead.get();
          out.printf(Locale.ROOT, "[%3ds] %,d KiB/s read, %d messages done, %d errors%n", ++second,
              (now - lastBytes) >> 10, messages.get(), errors.get());
          lastBytes = now;
        }
      }
      vertx.cancelTimer(timer);
      double seconds = (System.nanoTime() - start) / 1e9;
      int open;
      synchronized (readers) {
        open = (int) readers.stream().filter(r -> r.open).count();
      }
      out.printf(Locale.ROOT, "RESULT mode=slow_read connections=%d size=%d read_rate=%d messages=%d read_bytes_per_s=%.0f "
              + "still_open=%d errors=%d%n", options.connections(), options.size(), options.slowRead(), messages.get(),
          bytesRead.get() / seconds, open, errors.get());
      return errors.get() == 0 && open == options.connections() ? 0 : 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }

  /** One slow client: handshake, then send a message, read its echo at the rate, check it, repeat. */
  private final class Reader {
    private final NetSocket socket;
    private Buffer received = Buffer.buffer();
    private boolean upgraded;
    private boolean open = true;
    private long sequence;
    private final byte[] expectedSeq = new byte[8];
    private long payloadLeft = -1; // -1: waiting for a frame header
    private int checked;
    private long allowance;

    Reader(NetSocket socket) {
      this.socket = socket;
      socket.handler(this::read);
      socket.closeHandler(v -> {
        if (open) {
          open = false;
          errors.incrementAndGet();
        }
      });
      socket.exceptionHandler(e -> errors.incrementAndGet());
      socket.write("GET " + options.path() + " HTTP/1.1\r\nHost: " + options.host() + ":" + options.port()
          + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY
          + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
    }

    void tick() {
      allowance = Math.min(allowance + options.slowRead() * TICK_MS / 1000, options.slowRead());
      if (allowance > 0 && open) {
        socket.resume();
      }
    }

    private void sendNext() {
      long seq = ++sequence;
      for (int i = 0; i < 8; i++) {
        expectedSeq[i] = (byte) (seq >>> (56 - 8 * i));
      }
      int length = template.length;
      Buffer head = Buffer.buffer(22).appendByte((byte) 0x82);
      if (length < 126) {
        head.appendByte((byte) (0x80 | length));
      } else if (length <= 0xffff) {
        head.appendByte((byte) (0x80 | 126)).appendShort((short) length);
      } else {
        head.appendByte((byte) (0x80 | 127)).appendLong(length);
      }
      head.appendBytes(MASK);
      for (int i = 0; i < 8; i++) {
        head.appendByte((byte) (expectedSeq[i] ^ MASK[i & 3]));
      }
      // The rest of every message is the same masked template: one buffer shared by all connections.
      socket.write(head);
      socket.write(maskedRest);
      payloadLeft = -1;
      checked = 0;
    }

    private void fail(String why) {
      if (open) {
        open = false;
        errors.incrementAndGet();
        if (!options.quiet()) {
          out.println("  slow reader failed: " + why);
        }
        socket.close();
      }
    }

    private void read(Buffer data) {
      allowance -= data.length();
      if (allowance <= 0) {
        socket.pause(); // the next tick resumes it
      }
      received.appendBuffer(data);
      if (!upgraded) {
        String text = received.toString(StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        if (!text.startsWith("HTTP/1.1 101 ")) {
          fail("handshake answered " + text.lines().findFirst().orElse(""));
          return;
        }
        upgraded = true;
        received = received.getBuffer(end + 4, received.length());
        sendNext();
      }
      bytesRead.addAndGet(data.length());
      int position = 0;
      while (position < received.length() && open) {
        if (payloadLeft < 0) {
          int available = received.length() - position;
          if (available < 2) {
            break;
          }
          int first = received.getByte(position) & 0xff;
          int len7 = received.getByte(position + 1) & 0x7f;
          int header = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
          if (available < header) {
            break;
          }
          long length = len7 == 126 ? received.getUnsignedShort(position + 2) : len7 == 127 ? received.getLong(position + 2) : len7;
          int opcode = first & 0x0f;
          position += header;
          if (opcode == 0x9 || opcode == 0xA) {
            if (received.length() - position < length) {
              position -= header;
              break;
            }
            if (opcode == 0x9) { // a ping: answered, as a browser would
              Buffer pong = Buffer.buffer().appendByte((byte) 0x8a).appendByte((byte) (0x80 | length)).appendBytes(MASK);
              for (int i = 0; i < length; i++) {
                pong.appendByte((byte) (received.getByte(position + i) ^ MASK[i & 3]));
              }
              socket.write(pong);
            }
            position += (int) length;
            continue;
          }
          if (opcode != 0x2 && opcode != 0x0) {
            fail("unexpected opcode " + opcode);
            return;
          }
          payloadLeft = length;
        }
        int take = (int) Math.min(payloadLeft, received.length() - position);
        for (int i = 0; i < take; i++) {
          byte wanted = checked < 8 ? expectedSeq[checked] : checked < template.length ? template[checked] : 0;
          if (checked++ >= template.length || received.getByte(position + i) != wanted) {
            fail("echo differs at byte " + (checked - 1) + " of message " + sequence);
            return;
          }
        }
        position += take;
        payloadLeft -= take;
        if (payloadLeft == 0) {
          payloadLeft = -1;
          if (checked == template.length) {
            messages.incrementAndGet();
            sendNext();
          }
        }
      }
      received = position == received.length() ? Buffer.buffer() : received.getBuffer(position, received.length());
    }
  }
}
