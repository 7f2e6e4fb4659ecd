package wsecho.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BatchingAsyncAppenderTest {

  private final RecordingStream stream = new RecordingStream();
  private final List<String> writes = stream.writes;
  private final LoggerContext context = new LoggerContext();
  private final BatchingAsyncAppender async = new BatchingAsyncAppender();

  BatchingAsyncAppenderTest() {
    context.setMDCAdapter(new LogbackMDCAdapter());
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    StdoutAppender<ILoggingEvent> stdout = new StdoutAppender<>(stream);
    stdout.setContext(context);
    stdout.setEncoder(encoder);
    stdout.start();
    async.setContext(context);
    async.setName("test");
    async.addAppender(stdout);
    async.start();
  }

  private void log(String message) {
    async.doAppend(new LoggingEvent("test", context.getLogger("test"), Level.INFO, message, null, null));
  }

  private List<String> lines() {
    return Arrays.stream(String.join("", writes).split("\n")).filter(line -> !line.isEmpty()).toList();
  }

  @Test
  void writesEveryLineFromManyThreadsInFewWrites() throws Exception {
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      Thread writer = new Thread(() -> {
        for (int i = 0; i < 500; i++) {
          log("thread " + thread + " line " + i);
          if (i % 50 == 0) {
            sleep(2);
          }
        }
      });
      writer.start();
      threads.add(writer);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    async.stop();

    List<String> lines = lines();
    assertThat(lines).hasSize(2000).doesNotHaveDuplicates();
    for (int t = 0; t < 4; t++) {
      int thread = t;
      // each thread's lines in the order it logged them
      assertThat(lines.stream().filter(line -> line.startsWith("thread " + thread + " ")).toList())
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 500).mapToObj(i -> "thread " + thread + " line " + i).toList());
    }
    assertThat(writes.size()).as("writes for 2,000 lines").isLessThan(200);
    assertThat(writes).allSatisfy(write -> assertThat(write).endsWith("\n"));
  }

  @Test
  void aLineAfterAQuietSpellIsWrittenPromptly() throws Exception {
    Thread.sleep(100); // the worker is parked with nothing to do
    long start = System.nanoTime();
    log("after the quiet");
    while (lines().isEmpty() && System.nanoTime() - start < 5_000_000_000L) {
      Thread.sleep(1);
    }
    assertThat(lines()).containsExactly("after the quiet");
    assertThat((System.nanoTime() - start) / 1_000_000).as("ms until written").isLessThan(1000);
    async.stop();
  }

  @Test
  void whenToldNotToDropTheCallerWaitsForRoomAndNoLineIsLost() throws Exception {
    async.stop();
    java.util.concurrent.CountDownLatch stdoutStuck = new java.util.concurrent.CountDownLatch(1);
    RecordingStream slow = new RecordingStream() {
      @Override
      public void write(byte[] bytes, int offset, int length) {
        try {
          stdoutStuck.await(); // standard output blocks, say a full pipe
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        super.write(bytes, offset, length);
      }
    };
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    StdoutAppender<ILoggingEvent> stdout = new StdoutAppender<>(slow);
    stdout.setContext(context);
    stdout.setEncoder(encoder);
    stdout.start();
    BatchingAsyncAppender waiting = new BatchingAsyncAppender();
    waiting.setContext(context);
    waiting.setName("waiting");
    waiting.setQueueSize(4);
    waiting.setNeverBlock(false);
    waiting.addAppender(stdout);
    waiting.start();

    java.util.concurrent.atomic.AtomicInteger logged = new java.util.concurrent.atomic.AtomicInteger();
    Thread producer = new Thread(() -> {
      for (int i = 0; i < 20; i++) {
        waiting.doAppend(new LoggingEvent("test", context.getLogger("test"), Level.INFO, "line " + i, null, null));
        logged.incrementAndGet();
      }
    });
    producer.start();
    producer.join(500);
    assertThat(producer.isAlive()).as("the caller waits while stdout is stuck").isTrue();
    assertThat(logged.get()).isLessThan(20);

    stdoutStuck.countDown();
    producer.join(5000);
    waiting.stop();
    assertThat(waiting.dropped()).isZero();
    assertThat(String.join("", slow.writes).split("\n"))
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).mapToObj(i -> "line " + i).toList());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
