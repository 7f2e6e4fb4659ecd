package wsecho.ops;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EchoMetricsTest {

  @Test
  void sumsEveryInstanceAndExposesACumulativeDurationHistogram() {
    EchoMetrics metrics = new EchoMetrics();
    EchoStats first = metrics.newStats();
    EchoStats second = metrics.newStats();
    first.echoed(false, 10, 1_500_000);   // 1.5 ms: in the 2.048 ms bucket
    second.echoed(true, 1000, 3_000);     // 3 µs: in the 4 µs bucket
    second.receivedNotEchoed(true, 7);
    String scrape = metrics.registry().scrape();
    assertThat(scrape)
        .contains("wsecho_messages_received_total{type=\"binary\"} 2.0")
        .contains("wsecho_received_bytes_total{type=\"binary\"} 1007.0")
        .contains("wsecho_messages_echoed_total{type=\"binary\"} 1.0")
        .contains("wsecho_echoed_bytes_total{type=\"text\"} 10.0")
        .contains("wsecho_echo_duration_seconds_bucket{le=\"2.0E-6\"} 0")
        .contains("wsecho_echo_duration_seconds_bucket{le=\"4.0E-6\"} 1")
        .contains("wsecho_echo_duration_seconds_bucket{le=\"0.001024\"} 1")
        .contains("wsecho_echo_duration_seconds_bucket{le=\"0.002048\"} 2")
        .contains("wsecho_echo_duration_seconds_bucket{le=\"+Inf\"} 2")
        .contains("wsecho_echo_duration_seconds_count 2");
  }

  @Test
  void countsClosesByCodeAndShowsOnlyTheCodesSeen() {
    EchoMetrics metrics = new EchoMetrics();
    metrics.closed(1000);
    metrics.closed(1000);
    metrics.closed(1006);
    metrics.closed(1015);
    metrics.closed(4000); // an application's code, outside 1000-1015
    metrics.closed(999);
    assertThat(metrics.registry().scrape())
        .contains("wsecho_closes_total{code=\"1000\"} 2.0")
        .contains("wsecho_closes_total{code=\"1006\"} 1.0")
        .contains("wsecho_closes_total{code=\"1015\"} 1.0")
        .contains("wsecho_closes_total{code=\"4000\"} 1.0")
        .contains("wsecho_closes_total{code=\"999\"} 1.0")
        .doesNotContain("code=\"1001\"", "code=\"1002\"", "code=\"1011\"");
  }

  @Test
  void aCounterReadsItsSourceAfterAGarbageCollection() throws Exception {
    EchoMetrics metrics = new EchoMetrics();
    java.util.concurrent.atomic.AtomicLong source = new java.util.concurrent.atomic.AtomicLong(42);
    metrics.counter("wsecho.test.things", "things", source::get); // the method reference is referenced nowhere else
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(20);
    }
    source.set(43);
    assertThat(metrics.registry().scrape()).contains("wsecho_test_things_total 43.0");
  }
}
