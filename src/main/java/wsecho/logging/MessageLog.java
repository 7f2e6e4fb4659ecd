package wsecho.logging;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import wsecho.config.EchoConfig;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The echo's side of message logging: publishes each echoed message on the event bus unless the
 * logger is already {@code log.queueCapacity} lines behind, in which case the line is dropped and
 * counted. Publishing never blocks and never waits for the logger.
 *
 * <p>One instance is shared by every echo verticle and the {@link LoggingVerticle}.
 */
public final class MessageLog {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final EchoConfig.Log config;
  private final String address;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong droppedTotal = new AtomicLong();

  public MessageLog(EchoConfig config) {
    this.config = config.log();
    this.address = config.eventBus().address();
  }

  public String address() {
    return address;
  }

  public boolean enabled() {
    return config.messages();
  }

  public int maxChars() {
    return config.maxChars();
  }

  public void publish(EventBus bus, EchoedMessage message) {
    if (pending.incrementAndGet() > config.queueCapacity()) {
      pending.decrementAndGet();
      dropped.incrementAndGet();
      droppedTotal.incrementAndGet();
      return;
    }
    bus.publish(address, message, LOCAL);
  }

  /** Called by the logger when it has handled one published message. */
  void handled() {
    pending.decrementAndGet();
  }

  /** Returns the lines dropped since the last call, and resets the count. */
  long takeDropped() {
    return dropped.getAndSet(0);
  }

  /** Lines dropped since the start. */
  public long droppedTotal() {
    return droppedTotal.get();
  }

  /** Lines published and not yet handled by the logger. */
  public int pending() {
    return pending.get();
  }
}
