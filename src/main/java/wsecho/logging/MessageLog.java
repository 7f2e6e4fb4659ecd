package wsecho.logging;

import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import wsecho.config.EchoConfig;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The echo's side of message logging: publishes echoed messages on the event bus up to
 * {@code log.maxLinesPerSecond}, and while the logger is less than {@code log.queueCapacity} lines
 * behind; other lines are dropped and counted. Publishing never blocks and never waits for the
 * logger, and a dropped line costs almost nothing, so logging cannot slow the echo down.
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
  private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
  private final AtomicInteger linesInWindow = new AtomicInteger();

  public MessageLog(EchoConfig config) {
    this.config = config.log();
    this.address = config.eventBus().address();
  }

  public String address() {
    return address;
  }

  public int maxChars() {
    return config.maxChars();
  }

  /**
   * Decides, at the start of a message and before anything is copied for it, whether it gets a
   * log line: not past {@code log.maxLinesPerSecond}, nor with {@code log.queueCapacity} lines
   * already waiting. A message refused here costs the echo path two atomic operations.
   * An admitted message must be {@link #publish published} or {@link #cancel cancelled}.
   */
  public boolean admit(long nowNanos) {
    if (!config.messages()) {
      return false;
    }
    int max = config.maxLinesPerSecond();
    if (max > 0) {
      long now = nowNanos;
      long start = windowStart.get();
      if (now - start >= 1_000_000_000L && windowStart.compareAndSet(start, now)) {
        linesInWindow.set(0);
      }
      if (linesInWindow.incrementAndGet() > max) {
        drop();
        return false;
      }
    }
    if (pending.incrementAndGet() > config.queueCapacity()) {
      pending.decrementAndGet();
      drop();
      return false;
    }
    return true;
  }

  public void publish(EventBus bus, EchoedMessage message) {
    bus.publish(address, message, LOCAL);
  }

  /** An admitted message that ended without an echo (its connection closed). */
  public void cancel() {
    pending.decrementAndGet();
  }

  private void drop() {
    dropped.incrementAndGet();
    droppedTotal.incrementAndGet();
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
