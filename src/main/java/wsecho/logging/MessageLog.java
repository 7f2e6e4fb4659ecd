package wsecho.logging;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wsecho.config.EchoConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
 *
 * <p>Clustered ({@code cluster.enabled}), an outbox publishes each burst as one {@link EchoedBatch}
 * to every logger in the cluster, and the first logger that has handled it acknowledges it. Lines
 * count as waiting until then, so {@code log.queueCapacity} bounds what a slow, killed or
 * partitioned logger can hold up on this node; a batch not acknowledged within
 * {@link #ACK_TIMEOUT_MS} (no logger, a dead one) is given up and its lines count as dropped.
 */
public final class MessageLog {

  private static final Logger LOG = LoggerFactory.getLogger(MessageLog.class);
  /**
   * How long a batch sent to the cluster may go unacknowledged. Past a killed or partitioned
   * logger's last batch this is how long its lines hold up room in log.queueCapacity; Hazelcast
   * takes longer than this to declare a member gone, so the queue does not wait for that.
   */
  static final long ACK_TIMEOUT_MS = 5_000;

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /**
   * How long an echoed message's line may wait in its instance's outbox. Publishing the lines of
   * this many milliseconds together lets the logger's thread wake once per burst, not once per line.
   * A burst costs far more than its lines: at 20,000 msg/s with 1,000 lines/s admitted, a profile
   * put ~55 us on the event loop (the event-bus delivery, the worker's wake-up, its metrics) and
   * ~105 us on the logger's thread (wake, dispatch, one write, park) per burst, against ~2 us per
   * line; at 10 ms that was 100 bursts a second and ~6% of the server's CPU. A tenth of a second
   * is still immediate for someone watching the log.
   */
  static final long OUTBOX_FLUSH_MS = 100;
  /**
   * An outbox publishes at once when this many lines are waiting, so that an unlimited
   * {@code log.maxLinesPerSecond} does not fill {@code log.queueCapacity} within one interval.
   */
  static final int OUTBOX_MAX_LINES = 1024;

  private final EchoConfig.Log config;
  private final String address;
  private final AtomicInteger pending = new AtomicInteger();
  // Since the start; a refused message costs one atomic add. The report keeps what it last said.
  private final AtomicLong droppedOverRate = new AtomicLong();
  private final AtomicLong droppedBehind = new AtomicLong();
  // Guarded by this: the once-a-second timer and the drain's last report may run on different event loops.
  private long reportedOverRate;
  private long reportedBehind;
  private final AtomicLong clusterLinesSent = new AtomicLong();
  private final AtomicLong clusterLinesReceived = new AtomicLong();
  private final AtomicLong clusterLinesUnacknowledged = new AtomicLong();
  private final RateLimiter rate;
  private final boolean clustered;
  private final int outboxMaxLines;

  public MessageLog(EchoConfig config) {
    this.config = config.log();
    this.address = config.eventBus().address();
    this.rate = new RateLimiter(this.config.maxLinesPerSecond());
    this.clustered = config.cluster().enabled();
    // A quarter of the capacity at most: one instance's full outbox never holds the others' lines back.
    this.outboxMaxLines = Math.max(1, Math.min(OUTBOX_MAX_LINES, this.config.queueCapacity() / 4));
  }

  /** Lines travel to the loggers of the whole cluster, in acknowledged batches. */
  public boolean clustered() {
    return clustered;
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
      droppedOverRate.incrementAndGet();
      return false;
    }
    if (pending.incrementAndGet() > config.queueCapacity()) {
      pending.decrementAndGet();
      dropBehind(1);
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

  /** Lines dropped because the logger is behind (or, clustered, does not acknowledge). */
  private void dropBehind(int lines) {
    droppedBehind.addAndGet(lines);
  }

  /** Called by the logger when it has handled the lines of a batch published in this process. */
  void handled(EchoedBatch batch) {
    pending.addAndGet(-batch.messages().size());
  }

  /** Called by a logger when a batch from the cluster (or this node) has arrived. */
  void received(EchoedBatch batch) {
    clusterLinesReceived.addAndGet(batch.messages().size());
  }

  /** Logs, once a second from the echo side, how many lines were dropped since the last report. */
  public synchronized void reportDropped() {
    long overRateNow = droppedOverRate.get();
    long behindNow = droppedBehind.get();
    long overRate = overRateNow - reportedOverRate;
    long behind = behindNow - reportedBehind;
    reportedOverRate = overRateNow;
    reportedBehind = behindNow;
    if (overRate > 0 && behind > 0) {
      LOG.warn("{} message log lines dropped: {} over log.maxLinesPerSecond ({}), {} because the logger fell behind{}",
          overRate + behind, overRate, config.maxLinesPerSecond(), behind, clustered ? " or did not acknowledge" : "");
    } else if (overRate > 0) {
      LOG.warn("{} message log lines dropped: over log.maxLinesPerSecond ({})", overRate, config.maxLinesPerSecond());
    } else if (behind > 0) {
      LOG.warn("{} message log lines dropped: the logger fell behind{}", behind, clustered ? " or did not acknowledge" : "");
    }
  }

  /** Lines this node sent to the cluster's loggers. */
  public long clusterLinesSent() {
    return clusterLinesSent.get();
  }

  /** Lines this node's logger received in batches. */
  public long clusterLinesReceived() {
    return clusterLinesReceived.get();
  }

  /** Lines sent to the cluster that no logger acknowledged within {@link #ACK_TIMEOUT_MS} (also counted as dropped). */
  public long clusterLinesUnacknowledged() {
    return clusterLinesUnacknowledged.get();
  }

  /** Lines dropped since the start. */
  public long droppedTotal() {
    return droppedOverRate.get() + droppedBehind.get();
  }

  /** Lines published and not yet handled by the logger. */
  public int pending() {
    return pending.get();
  }

  /**
   * One echo instance's publisher. Every admitted message is published on the event bus, but they
   * leave together: the first one waiting starts a {@link #OUTBOX_FLUSH_MS} timer, and when it fires
   * (or {@link #OUTBOX_MAX_LINES} lines, at most a quarter of {@code log.queueCapacity}, are
   * waiting) everything waiting is published as one {@link EchoedBatch}, by reference to this process's logger
   * or, clustered, encoded to every logger in the cluster. One delivery per burst, not per line: a
   * delivery per line woke the logger's worker thread more than once per line (Vert.x hands each
   * delivery to the worker pool on its own), and each wake-up preempted the event loop on its core.
   * Confined to the instance's event loop: no locks.
   */
  public final class Outbox {

    private final Vertx vertx;
    private final EventBus bus;
    private List<EchoedMessage> waiting = new ArrayList<>();
    private long timer = -1;
    // Clustered only: this outbox's acknowledgement address, and its batches not acknowledged yet.
    private final String ackAddress;
    private final Map<Long, Unacknowledged> unacknowledged = new LinkedHashMap<>(); // oldest first
    private MessageConsumer<Long> acks;
    private long ackSweep = -1;
    private long nextBatchId;
    // Set when a batch went unacknowledged, cleared by the next acknowledgement. Meanwhile one batch
    // at a time is sent (a probe) and other lines are dropped when they start: a hung or cut-off
    // logger, whose connection may still take writes, is not sent lines it will never read.
    private boolean unanswered;

    private record Unacknowledged(int lines, long sentNanos) {}

    private Outbox(Vertx vertx) {
      this.vertx = vertx;
      this.bus = vertx.eventBus();
      this.ackAddress = clustered ? address + ".ack." + UUID.randomUUID() : null;
      if (clustered) {
        acks = bus.consumer(ackAddress, ack -> acknowledged(ack.body()));
        ackSweep = vertx.setPeriodic(ACK_TIMEOUT_MS / 5, t -> giveUpUnacknowledged(System.nanoTime()));
      }
    }

    /** See {@link MessageLog#admit(long)}; clustered, also refused while no logger answers and a probe is out. */
    public boolean admit(long nowNanos) {
      if (unanswered && !unacknowledged.isEmpty()) {
        if (config.messages()) {
          dropBehind(1);
        }
        return false;
      }
      return MessageLog.this.admit(nowNanos);
    }

    /** See {@link MessageLog#cancel()}. */
    public void cancel() {
      MessageLog.this.cancel();
    }

    public int maxChars() {
      return MessageLog.this.maxChars();
    }

    /**
     * Publishes an admitted message within {@link #OUTBOX_FLUSH_MS}, or at once with the lines
     * waiting when they make a full batch.
     */
    public void publish(EchoedMessage message) {
      waiting.add(message);
      if (waiting.size() >= outboxMaxLines) {
        flush();
      } else if (timer == -1) {
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
      if (waiting.isEmpty()) {
        return;
      }
      // The list itself is handed over (never touched again here), not copied line by line.
      EchoedBatch batch = new EchoedBatch(EchoedBatchCodec.VERSION, nextBatchId++, ackAddress,
          Collections.unmodifiableList(waiting));
      waiting = new ArrayList<>();
      if (clustered) {
        unacknowledged.put(batch.id(), new Unacknowledged(batch.messages().size(), System.nanoTime()));
        clusterLinesSent.addAndGet(batch.messages().size());
        bus.publish(address, batch);
      } else {
        bus.publish(address, batch, LOCAL);
      }
    }

    /** Publishes what is waiting and stops listening for acknowledgements (the instance stops). */
    public void close() {
      flush();
      if (acks != null) {
        acks.unregister();
        vertx.cancelTimer(ackSweep);
      }
    }

    /** The first logger to handle a batch releases its lines; later acknowledgements find nothing. */
    private void acknowledged(long batchId) {
      Unacknowledged batch = unacknowledged.remove(batchId);
      if (batch != null) {
        pending.addAndGet(-batch.lines());
      }
      if (unanswered) {
        unanswered = false;
        LOG.info("a logger acknowledges message lines again");
      }
    }

    /** Gives up the batches sent {@link #ACK_TIMEOUT_MS} ago or earlier. */
    private void giveUpUnacknowledged(long nowNanos) {
      for (Iterator<Unacknowledged> it = unacknowledged.values().iterator(); it.hasNext(); ) {
        Unacknowledged batch = it.next();
        if (nowNanos - batch.sentNanos() < ACK_TIMEOUT_MS * 1_000_000L) {
          break; // the rest are younger
        }
        it.remove();
        pending.addAndGet(-batch.lines());
        clusterLinesUnacknowledged.addAndGet(batch.lines());
        dropBehind(batch.lines());
        if (!unanswered) {
          unanswered = true;
          LOG.warn("no logger acknowledged message lines within {} ms: sending one batch at a time until one does",
              ACK_TIMEOUT_MS);
        }
      }
    }

    /** A batch went unacknowledged and none has been acknowledged since. */
    boolean unanswered() {
      return unanswered;
    }
  }
}
