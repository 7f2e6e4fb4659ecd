package wsecho.ws.conformance;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.BINARY;

/**
 * Binary payload is unmasked into pooled direct memory and that buffer is written as it is: each
 * one goes back to the pool whether its echo was written, the connection was reset with the echo
 * half streamed, or it was queued behind a client that stopped reading. Netty's leak detector at
 * its paranoid level tracks every buffer of the run and reports any collected without release.
 */
class DirectPayloadReleaseTest extends ConformanceBase {

  private static ResourceLeakDetector.Level levelBefore;
  private final ListAppender<ILoggingEvent> leakReports = new ListAppender<>();

  @BeforeAll
  static void trackEveryBuffer() {
    levelBefore = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
  }

  @AfterAll
  static void restoreLeakDetection() {
    ResourceLeakDetector.setLevel(levelBefore);
  }

  @BeforeEach
  void listenForLeakReports() {
    leakReports.start();
    ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).addAppender(leakReports);
  }

  @AfterEach
  void stopListening() {
    ((Logger) LoggerFactory.getLogger(ResourceLeakDetector.class)).detachAppender(leakReports);
  }

  @Test
  @DisplayName("every binary payload buffer is released: echoed, reset half streamed, or queued for a client that reads nothing")
  void everyBinaryPayloadBufferIsReleased() throws Exception {
    Random random = new Random(11);
    try (RawClient client = RawClient.open(port)) {
      for (int size : new int[] {1, 7, 125, 126, 4096, 4097, 65_535, 65_536, 300_000}) {
        byte[] payload = new byte[size];
        random.nextBytes(payload);
        client.send(BINARY, payload);
        RawClient.Frame echo = client.readSkippingPings();
        assertThat(echo.opcode()).isEqualTo(BINARY);
        assertThat(echo.payload()).as("echo of %d bytes", size).isEqualTo(payload);
      }
    }

    // Half of a frame, its echo seen streaming back, then a reset.
    RawClient halfway = RawClient.open(port);
    byte[] frame = halfway.encode(true, 0, BINARY, new byte[400_000], true);
    halfway.sendRaw(Arrays.copyOf(frame, 200_000));
    byte[] echoed = halfway.readRaw(10 + 100_000);
    assertThat(echoed[0] & 0xff).as("a binary frame's echo started").isEqualTo(0x82);
    halfway.abort();

    // A client that sends and reads nothing: echoes queue up at the server until the reset.
    RawClient flood = RawClient.openSlowReader(port, 4096);
    byte[] large = flood.encode(true, 0, BINARY, new byte[64 * 1024], true);
    AtomicLong sent = new AtomicLong();
    Thread writer = flood.floodInBackground(large, sent, Long.MAX_VALUE, 2000);
    Thread.sleep(1500);
    assertThat(sent.get()).as("the flood got going").isGreaterThan(1 << 20);
    flood.abort();
    writer.join(5000);

    long deadline = System.currentTimeMillis() + 10_000;
    while (started.shared().connections().open() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(started.shared().connections().open()).as("the server closed every connection").isZero();

    // The detector reports a collected, unreleased buffer at a later allocation.
    for (int i = 0; i < 10 && leakReports.list.isEmpty(); i++) {
      System.gc();
      Thread.sleep(50);
      ByteBufAllocator.DEFAULT.directBuffer(64).release();
    }
    assertThat(leakReports.list).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
  }
}
