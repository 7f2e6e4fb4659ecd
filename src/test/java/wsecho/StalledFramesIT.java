package wsecho;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attack from issue 14 on the real jar with the heap the Kubernetes manifests give: 1,000
 * connections each stalling a 1 MiB text frame after 900 KiB of it, and 1,000 stalling a
 * compressed frame the same way, none of them reading. The server must not run out of memory, must
 * hold for its clients no more than websocket.maxBufferedBytes, and must keep
 * echoing an ordinary client quickly all along.
 */
class StalledFramesIT {

  private static final int STALLERS = 1000;
  private static final int FRAME = 1024 * 1024;
  private static final int SENT = 900 * 1024;

  @Test
  void stalledTextAndCompressedFramesStayWithinTheBudgetAndOthersAreEchoed() throws Exception {
    int port = TestService.freePort();
    try (ServiceProcess service = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(port), "LOG_MESSAGES", "false",
        "WEBSOCKET_FRAME_TIMEOUT_MS", "120000"), List.of("-Xmx384m"))) {
      service.awaitStdout(line -> line.contains("listening on"), Duration.ofSeconds(30));
      HttpClient http = HttpClient.newHttpClient();
      long budget = metric(http, port, "wsecho_buffered_limit_bytes");
      assertThat(budget).isBetween(80L << 20, 100L << 20); // 25% of a 384 MiB heap

      // Text: a 1 MiB frame header, then 900 KiB of its payload.
      byte[] text = new byte[SENT];
      Arrays.fill(text, (byte) 'a');
      ByteBuffer textPrefix = frame(0x81, FRAME, text);
      // Compressed: 900 KiB of a valid deflate stream of random bytes, which inflate about 1:1.
      byte[] random = new byte[FRAME];
      new Random(5).nextBytes(random);
      Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
      deflater.setInput(random);
      deflater.finish();
      byte[] compressed = new byte[FRAME + 4096];
      int compressedLength = deflater.deflate(compressed);
      deflater.end();
      ByteBuffer deflatePrefix = frame(0xc2, Math.min(compressedLength, FRAME), Arrays.copyOf(compressed, SENT));

      List<SocketChannel> stallers = new ArrayList<>();
      List<ByteBuffer> toSend = new ArrayList<>();
      for (int i = 0; i < 2 * STALLERS; i++) {
        boolean deflate = i % 2 == 1;
        stallers.add(open(port, deflate));
        toSend.add((deflate ? deflatePrefix : textPrefix).duplicate());
      }

      AtomicLong maxHeld = new AtomicLong();
      AtomicBoolean sampling = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> {
        while (sampling.get()) {
          try {
            maxHeld.accumulateAndGet(metric(http, port, "wsecho_buffered_bytes"), Math::max);
            Thread.sleep(100);
          } catch (Exception e) {
            return;
          }
        }
      });
      sampler.start();

      JdkWebSocket ordinary = JdkWebSocket.connect("ws://127.0.0.1:" + port + "/ws/echo");
      List<Long> latencies = new ArrayList<>();
      long sentBytes = 0;
      long end = System.nanoTime() + 20_000_000_000L;
      int message = 0;
      // Write what each staller's window takes, round after round, and echo the ordinary client between rounds.
      while (System.nanoTime() < end) {
        for (int i = 0; i < stallers.size(); i++) {
          ByteBuffer buffer = toSend.get(i);
          if (buffer.hasRemaining()) {
            sentBytes += stallers.get(i).write(buffer);
          }
        }
        long start = System.nanoTime();
        ordinary.sendText("ordinary " + message);
        JdkWebSocket.Message echo = ordinary.next();
        latencies.add((System.nanoTime() - start) / 1000);
        assertThat(echo.text()).isEqualTo("ordinary " + message);
        message++;
        Thread.sleep(20);
      }
      sampling.set(false);
      sampler.join(5000);

      latencies.sort(Long::compare);
      long p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1);
      System.out.printf("stalled frames: %d connections sent %d MiB of unfinished frames; at most %d MiB held of a %d MiB "
              + "budget; ordinary client: %d echoes, p99 %.1f ms, max %.1f ms%n", stallers.size(), sentBytes >> 20,
          maxHeld.get() >> 20, budget >> 20, latencies.size(), p99 / 1000.0, latencies.get(latencies.size() - 1) / 1000.0);

      assertThat(service.stdout()).noneMatch(line -> line.contains("OutOfMemoryError"));
      assertThat(service.stderr()).noneMatch(line -> line.contains("OutOfMemoryError"));
      // Every read is sized from the budget before it is made: the count never passes it.
      assertThat(maxHeld.get()).as("bytes held for clients, budget %d", budget).isLessThanOrEqualTo(budget);
      assertThat(p99).as("the ordinary client's p99 in microseconds").isLessThan(50_000);
      assertThat(sentBytes).as("the stallers got their frames in up to the budget").isGreaterThan(budget);

      for (SocketChannel channel : stallers) {
        channel.close();
      }
      // A connection the budget stopped reading sees its client leave when it reads again (as soon as
      // the total is back under the resume level) or, at the latest, when a ping fails to go out.
      long closedAt = System.nanoTime();
      long deadline = closedAt + 70_000_000_000L;
      while (metric(http, port, "wsecho_buffered_bytes") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      long held = metric(http, port, "wsecho_buffered_bytes");
      System.out.printf("stalled frames: %d bytes held %d ms after the stallers closed, %d connections open%n", held,
          (System.nanoTime() - closedAt) / 1_000_000, (long) metric(http, port, "wsecho_connections_open"));
      assertThat(held).as("held once they are gone (%d connections still open, %d paused by the budget)",
          (long) metric(http, port, "wsecho_connections_open"), (long) metric(http, port, "wsecho_connections_paused_budget"))
          .isZero();
    }
  }

  private static ByteBuffer frame(int firstByte, long length, byte[] payloadPrefix) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(firstByte);
    frame.write(0x80 | 127);
    for (int i = 7; i >= 0; i--) {
      frame.write((int) (length >>> (8 * i)) & 0xff);
    }
    byte[] mask = {1, 2, 3, 4};
    frame.writeBytes(mask);
    byte[] masked = payloadPrefix.clone();
    for (int i = 0; i < masked.length; i++) {
      masked[i] ^= mask[i & 3];
    }
    frame.writeBytes(masked);
    return ByteBuffer.wrap(frame.toByteArray()).asReadOnlyBuffer();
  }

  /** A WebSocket over a non-blocking channel with a small receive buffer, that never reads after the handshake. */
  private static SocketChannel open(int port, boolean deflate) throws IOException {
    SocketChannel channel = SocketChannel.open();
    channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
    channel.connect(new InetSocketAddress("127.0.0.1", port));
    String request = "GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + (deflate ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "") + "\r\n";
    channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
    ByteBuffer head = ByteBuffer.allocate(1024);
    while (!new String(head.array(), 0, head.position(), StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
      if (channel.read(head) < 0) {
        throw new IOException("closed during the handshake");
      }
    }
    String response = new String(head.array(), 0, head.position(), StandardCharsets.ISO_8859_1);
    assertThat(response).startsWith("HTTP/1.1 101 ");
    if (deflate) {
      assertThat(response.toLowerCase()).contains("permessage-deflate");
    }
    channel.configureBlocking(false);
    return channel;
  }

  private static long metric(HttpClient http, int port, String name) throws Exception {
    String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    for (String line : body.split("\n")) {
      if (line.startsWith(name + " ")) {
        return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError("no metric " + name);
  }
}
