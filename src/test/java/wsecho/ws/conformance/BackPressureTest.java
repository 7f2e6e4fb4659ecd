package wsecho.ws.conformance;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.BINARY;
import static wsecho.ws.conformance.RawClient.PING;

/** Echo never buffers without bound: a socket whose writes back up stops being read. */
class BackPressureTest extends ConformanceBase {

  @Test
  @DisplayName("a client that sends without reading leaves heap growth bounded; others keep being served")
  void backPressureBoundsMemoryAndOthersAreServed() throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long before = memory.getHeapMemoryUsage().getUsed();
    AtomicLong sent = new AtomicLong();
    long budget = 1L << 30; // up to 1 GiB, for at most 4 seconds
    try (RawClient other = RawClient.open(port)) {
      RawClient flood = RawClient.open(port);
      byte[] frame = flood.encode(true, 0, BINARY, new byte[64 * 1024], true);
      Thread writer = flood.floodInBackground(frame, sent, budget, 4000);
      Thread.sleep(2000);
      // Meanwhile another client is served normally.
      for (int i = 0; i < 20; i++) {
        other.sendText("other " + i);
        RawClient.Frame echoed = other.readSkippingPings();
        assertThat(echoed.text()).isEqualTo("other " + i);
      }
      System.gc();
      long growth = memory.getHeapMemoryUsage().getUsed() - before;
      System.out.printf("back-pressure: %d MiB sent by a client that reads nothing; heap growth %d KiB%n",
          sent.get() >> 20, growth >> 10);
      assertThat(growth).as("heap growth with %d MiB sent and none read", sent.get() >> 20)
          .isLessThan(64L * 1024 * 1024);
      // The server stopped reading: far less than 1 GiB got through.
      assertThat(sent.get()).isLessThan(budget);
      flood.close();
      writer.join(5000);
    }
  }
}
