package wsecho.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The service's own metrics, in the Prometheus registry that Vert.x's metrics also use. Per-message
 * figures are counted in each echo instance's {@link EchoStats} (plain fields, no atomics) and summed
 * here when scraped; per-connection figures use Micrometer meters directly.
 */
public final class EchoMetrics {

  private static final String[] TYPES = {"text", "binary"};

  private final PrometheusMeterRegistry registry;
  private final List<EchoStats> stats = new CopyOnWriteArrayList<>();
  private final List<Supplier<Number>> counterSources = new CopyOnWriteArrayList<>();
  private final Counter opened;
  /** The codes a close normally carries (1000-1015), looked up by index: one per connection. */
  private final AtomicReferenceArray<Counter> standardCloses = new AtomicReferenceArray<>(16);
  private final Map<Integer, Counter> otherCloses = new ConcurrentHashMap<>();
  private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

  public EchoMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public EchoMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    for (int i = 0; i < 2; i++) {
      int type = i;
      sum("wsecho.messages.received", null, "WebSocket messages received", type, s -> s.received[type]);
      sum("wsecho.received", "bytes", "WebSocket message payload received, after decompression", type, s -> s.receivedBytes[type]);
      sum("wsecho.messages.echoed", null, "WebSocket messages echoed", type, s -> s.echoed[type]);
      sum("wsecho.echoed", "bytes", "WebSocket message payload echoed", type, s -> s.echoedBytes[type]);
    }
    opened = Counter.builder("wsecho.connections.opened").description("WebSocket connections accepted").register(registry);
    registry.getPrometheusRegistry().register(this::echoDurationHistogram);
  }

  private void sum(String name, String unit, String description, int type, ToLongFunction<EchoStats> field) {
    FunctionCounter.builder(name, stats, all -> all.stream().mapToLong(field).sum())
        .baseUnit(unit).description(description).tag("type", TYPES[type]).register(registry);
  }

  /** A new echo instance's counters, included in every scrape from now on. */
  public EchoStats newStats() {
    EchoStats instance = new EchoStats();
    stats.add(instance);
    return instance;
  }

  private HistogramSnapshot echoDurationHistogram() {
    double[] bounds = new double[EchoStats.BUCKETS + 1];
    long[] counts = new long[EchoStats.BUCKETS + 1];
    long sumNanos = 0;
    for (int b = 0; b < EchoStats.BUCKETS; b++) {
      bounds[b] = EchoStats.upperBoundSeconds(b);
    }
    bounds[EchoStats.BUCKETS] = Double.POSITIVE_INFINITY;
    for (EchoStats instance : stats) {
      for (int b = 0; b <= EchoStats.BUCKETS; b++) {
        counts[b] += instance.durationBuckets[b];
      }
      sumNanos += instance.durationSumNanos;
    }
    return HistogramSnapshot.builder()
        .name("wsecho_echo_duration_seconds")
        .unit(Unit.SECONDS)
        .help("Server-side time from a message's first frame to the write of its echo's last frame")
        .dataPoint(new HistogramSnapshot.HistogramDataPointSnapshot(ClassicHistogramBuckets.of(bounds, counts),
            sumNanos / 1e9, Labels.EMPTY, Exemplars.EMPTY, 0L))
        .build();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  public void counter(String name, String description, Supplier<Number> value) {
    // A FunctionCounter holds its object weakly: kept here, or the counter reads 0 after a GC.
    counterSources.add(value);
    FunctionCounter.builder(name, value, v -> v.get().doubleValue()).description(description).register(registry);
  }

  public void opened() {
    opened.increment();
  }

  public void closed(int code) {
    int index = code - 1000;
    if (index < 0 || index >= standardCloses.length()) {
      otherCloses.computeIfAbsent(code, this::closesCounter).increment();
      return;
    }
    Counter counter = standardCloses.get(index);
    if (counter == null) {
      // Registered on first use, so /metrics shows only the codes seen. Two instances may race
      // here: the registry answers both with the same meter.
      counter = closesCounter(code);
      standardCloses.set(index, counter);
    }
    counter.increment();
  }

  private Counter closesCounter(int code) {
    return Counter.builder("wsecho.closes")
        .description("WebSocket connections closed, by close code (1006: no close frame)")
        .tag("code", String.valueOf(code)).register(registry);
  }

  public void refused(String reason) {
    refusals.computeIfAbsent(reason, r -> Counter.builder("wsecho.handshakes.refused")
        .description("WebSocket handshakes refused, by reason").tag("reason", r).register(registry)).increment();
  }
}
