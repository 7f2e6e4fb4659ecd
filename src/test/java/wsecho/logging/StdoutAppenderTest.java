package wsecho.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StdoutAppenderTest {

  private final LoggerContext context = new LoggerContext();
  private final RecordingStream stream = new RecordingStream();
  private final StdoutAppender<ILoggingEvent> appender = new StdoutAppender<>(stream);

  StdoutAppenderTest() {
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%msg%n");
    encoder.start();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.start();
  }

  private void log(String message) {
    appender.doAppend(new LoggingEvent("test", context.getLogger("test"), Level.INFO, message, null, null));
  }

  @Test
  void writesNothingUntilFlushedThenTheWholeBurstInOneWrite() {
    log("one");
    log("two");
    log("three");
    assertThat(stream.writes).isEmpty();

    appender.flush();
    assertThat(stream.writes).containsExactly("one\ntwo\nthree\n");
  }

  @Test
  void aBatchWriterFlushesTheAppendersOfItsLoggerInOneWrite() {
    ch.qos.logback.classic.Logger lines = context.getLogger("lines");
    lines.setAdditive(false);
    lines.addAppender(appender);
    lines.info("first of the batch");
    lines.info("second of the batch");
    assertThat(stream.writes).isEmpty();

    StdoutAppender.flushAppendersOf(lines);
    assertThat(stream.writes).containsExactly("first of the batch\nsecond of the batch\n");
  }

  @Test
  void neverSplitsALineBetweenTwoWrites() {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int i = 0; i < 2_000; i++) { // about 200 KB: the 64 KiB buffer fills several times
      String line = "127.0.0.1:5000 sent: message " + i + " " + "x".repeat(i % 150);
      lines.add(line);
      expected.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
      log(line);
    }
    appender.flush();

    assertThat(stream.writes.size()).as("writes").isGreaterThan(2).isLessThan(10);
    assertThat(stream.writes).allSatisfy(write -> assertThat(write).endsWith("\n"));
    assertThat(String.join("", stream.writes)).isEqualTo(expected.toString(StandardCharsets.UTF_8));
  }

  @Test
  void stoppingWritesOutWhatIsBufferedAndLeavesStandardOutputOpen() {
    log("last words");
    appender.stop();

    assertThat(stream.writes).containsExactly("last words\n");
    assertThat(stream.closed).isFalse();
  }
}
