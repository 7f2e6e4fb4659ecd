package wsecho.logging;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import wsecho.config.EchoConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The echo's side of message logging: publishes echoed messages on the event bus up to
 * {@code log.maxLinesPerSecond}, and while the logger is less than {@code log.queueCapacity} lines
 * behind; other lines are dropped and counted. Publishing never blocks and never waits for the
 * logger, and a dropped line costs almost nothing, so logging cannot slow the echo down.
 *
 * <p>One instance is shared by every echo verticle and the {@link LoggingVerticle}; each echo
 * instance publishes through its own {@link Outbox}.
 */
public final class MessageLog {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /**
   * How long an echoed message's line may wait in its instance's outbox. Publishing the lines of
   * this many milliseconds together lets the logger's thread wake once per burst, not once per line:
   * one wake-up (two context switches) cost more than the whole line did.
   */
  static final long OUTBOX_FLUSH_MS = 10;

  private final EchoConfig.Log config;
  private final String address;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong droppedTotal = new AtomicLong();
  private final RateLimiter rate;

  public MessageLog(EchoConfig config) {
    this.config = config.log();
    this.address = config.eventBus().address();
    this.rate = new RateLimiter(this.config.maxLinesPerSecond());
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
    if (!rate.admit(nowNanos)) {
      drop();
      return false;
    }
    if (pending.incrementAndGet() > config.queueCapacity()) {
      pending.decrementAndGet();
      drop();
      return false;
    }
    return true;
  }

  /** The publishing side for one echo instance; use it only on that instance's event loop. */
  public Outbox outbox(Vertx vertx) {
    return new Outbox(vertx);
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

  /**
   * One echo instance's publisher. Every admitted message is published on the event bus, each as
   * its own event-bus message, but they leave together: the first one waiting starts a
   * {@link #OUTBOX_FLUSH_MS} timer, and when it fires everything waiting is published in one go.
   * Confined to the instance's event loop: no locks, no atomics.
   */
  public final class Outbox {

    private final Vertx vertx;
    private final EventBus bus;
    private final List<EchoedMessage> waiting = new ArrayList<>();
    private long timer = -1;

    private Outbox(Vertx vertx) {
      this.vertx = vertx;
      this.bus = vertx.eventBus();
    }

    /** See {@link MessageLog#admit(long)}. */
    public boolean admit(long nowNanos) {
      return MessageLog.this.admit(nowNanos);
    }

    /** See {@link MessageLog#cancel()}. */
    public void cancel() {
      MessageLog.this.cancel();
    }

    public int maxChars() {
      return MessageLog.this.maxChars();
    }

    /** Publishes an admitted message within {@link #OUTBOX_FLUSH_MS}. */
    public void publish(EchoedMessage message) {
      waiting.add(message);
      if (timer == -1) {
        timer = vertx.setTimer(OUTBOX_FLUSH_MS, t -> {
          timer = -1;
          flush();
        });
      }
    }

    /** Publishes everything waiting now (also when the instance stops). */
    public void flush() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      for (EchoedMessage message : waiting) {
        bus.publish(address, message, LOCAL);
      }
      waiting.clear();
    }
  }
}
