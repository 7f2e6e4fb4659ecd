package wsecho.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The service's own metrics, in the Prometheus registry that Vert.x's metrics also use. The
 * per-message meters are created once and kept, so the echo path only increments them.
 */
public final class EchoMetrics {

  private final PrometheusMeterRegistry registry;
  private final Counter[] received = new Counter[2];
  private final Counter[] receivedBytes = new Counter[2];
  private final Counter[] echoed = new Counter[2];
  private final Counter[] echoedBytes = new Counter[2];
  private final Counter opened;
  private final Timer echoTime;
  private final Map<Integer, Counter> closes = new ConcurrentHashMap<>();
  private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

  public EchoMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public EchoMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    String[] types = {"text", "binary"};
    for (int i = 0; i < 2; i++) {
      received[i] = Counter.builder("wsecho.messages.received").description("WebSocket messages received")
          .tag("type", types[i]).register(registry);
      receivedBytes[i] = Counter.builder("wsecho.received").baseUnit("bytes")
          .description("WebSocket message payload received, after decompression").tag("type", types[i]).register(registry);
      echoed[i] = Counter.builder("wsecho.messages.echoed").description("WebSocket messages echoed")
          .tag("type", types[i]).register(registry);
      echoedBytes[i] = Counter.builder("wsecho.echoed").baseUnit("bytes")
          .description("WebSocket message payload echoed").tag("type", types[i]).register(registry);
    }
    opened = Counter.builder("wsecho.connections.opened").description("WebSocket connections accepted").register(registry);
    echoTime = Timer.builder("wsecho.echo.duration")
        .description("Server-side time from a message's first byte to the write of its echo's last frame")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  public void counter(String name, String description, Supplier<Number> value) {
    io.micrometer.core.instrument.FunctionCounter.builder(name, value, v -> v.get().doubleValue())
        .description(description).register(registry);
  }

  public void opened() {
    opened.increment();
  }

  public void echoed(boolean binary, long bytes, long nanos) {
    int i = binary ? 1 : 0;
    received[i].increment();
    receivedBytes[i].increment(bytes);
    echoed[i].increment();
    echoedBytes[i].increment(bytes);
    echoTime.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** A message that was refused or cut by a close before its echo completed. */
  public void receivedNotEchoed(boolean binary, long bytes) {
    int i = binary ? 1 : 0;
    received[i].increment();
    receivedBytes[i].increment(bytes);
  }

  public void closed(int code) {
    closes.computeIfAbsent(code, c -> Counter.builder("wsecho.closes")
        .description("WebSocket connections closed, by close code (1006: no close frame)")
        .tag("code", String.valueOf(c)).register(registry)).increment();
  }

  public void refused(String reason) {
    refusals.computeIfAbsent(reason, r -> Counter.builder("wsecho.handshakes.refused")
        .description("WebSocket handshakes refused, by reason").tag("reason", r).register(registry)).increment();
  }

  public MeterRegistry meterRegistry() {
    return registry;
  }
}
