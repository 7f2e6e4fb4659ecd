package wsecho.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The service log's hand-off from event loops to standard output, like Logback's
 * {@code AsyncAppender} (events queued, never blocking the caller, dropped when the queue is full)
 * but woken at most once per {@code lingerMs}: Logback's worker wakes for every event it waits
 * for, so each connection line cost the event loop a thread wake-up, and on a CPU-limited pod the
 * woken thread takes its time slice from the echo. Here the first event after a quiet spell wakes
 * the worker; it writes what is waiting, flushes the {@link StdoutAppender}s behind it once, then
 * lingers so that the next lines gather into the next batch.
 *
 * <p>{@code neverBlock} (default true, for event loops) drops an event when the queue is full;
 * false makes the caller wait for room instead, for a caller that may block (the
 * {@link LoggingVerticle}'s worker), so that a slow standard output shows up as the message log's
 * backlog, which is bounded, counted and metered, and no line is lost silently.
 */
public final class BatchingAsyncAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
    implements AppenderAttachable<ILoggingEvent> {

  private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
  private final AtomicBoolean idle = new AtomicBoolean();
  private final AtomicLong dropped = new AtomicLong();
  private int queueSize = 8192;
  private long lingerMs = 100;
  private boolean neverBlock = true;
  private BlockingQueue<ILoggingEvent> queue;
  private Thread worker;
  private volatile boolean running;

  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  public void setLingerMs(long lingerMs) {
    this.lingerMs = lingerMs;
  }

  public void setNeverBlock(boolean neverBlock) {
    this.neverBlock = neverBlock;
  }

  /** Events dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void start() {
    if (isStarted()) {
      return;
    }
    queue = new ArrayBlockingQueue<>(queueSize);
    running = true;
    worker = new Thread(this::drain, "log-writer-" + getName());
    worker.setDaemon(true);
    worker.start();
    super.start();
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    running = false;
    LockSupport.unpark(worker);
    try {
      worker.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    appenders.detachAndStopAllAppenders();
  }

  @Override
  protected void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing(); // the message, thread name and MDC as they are now
    if (!queue.offer(event)) {
      if (neverBlock || !waitForRoom(event)) {
        dropped.incrementAndGet();
        return;
      }
    }
    if (idle.get() && idle.compareAndSet(true, false)) {
      LockSupport.unpark(worker);
    }
  }

  private boolean waitForRoom(ILoggingEvent event) {
    try {
      queue.put(event);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void drain() {
    List<ILoggingEvent> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      queue.drainTo(batch);
      if (batch.isEmpty()) {
        idle.set(true); // before looking at the queue again: an event offered now unparks us
        if (running && queue.isEmpty()) {
          LockSupport.park(this);
        }
        idle.set(false);
        continue;
      }
      for (ILoggingEvent event : batch) {
        appenders.appendLoopOnAppenders(event);
      }
      batch.clear();
      flushAll();
      if (running) {
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(lingerMs)); // let the next lines gather
      }
    }
    flushAll();
  }

  private void flushAll() {
    for (Iterator<Appender<ILoggingEvent>> it = appenders.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof StdoutAppender<ILoggingEvent> stdout) {
        stdout.flush();
      }
    }
  }

  @Override
  public void addAppender(Appender<ILoggingEvent> appender) {
    appenders.addAppender(appender);
  }

  @Override
  public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
    return appenders.iteratorForAppenders();
  }

  @Override
  public Appender<ILoggingEvent> getAppender(String name) {
    return appenders.getAppender(name);
  }

  @Override
  public boolean isAttached(Appender<ILoggingEvent> appender) {
    return appenders.isAttached(appender);
  }

  @Override
  public void detachAndStopAllAppenders() {
    appenders.detachAndStopAllAppenders();
  }

  @Override
  public boolean detachAppender(Appender<ILoggingEvent> appender) {
    return appenders.detachAppender(appender);
  }

  @Override
  public boolean detachAppender(String name) {
    return appenders.detachAppender(name);
  }
}
