package wsecho.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import wsecho.TestService;

import static org.assertj.core.api.Assertions.assertThat;

/** The once-a-second drop warning says why lines were dropped: the rate cap is not a logger falling behind. */
class DropReportTest {

  private final Logger messageLogLogger = (Logger) LoggerFactory.getLogger(MessageLog.class);
  private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();

  DropReportTest() {
    warnings.start();
    messageLogLogger.addAppender(warnings);
  }

  @AfterEach
  void detach() {
    messageLogLogger.detachAppender(warnings);
  }

  private static MessageLog messageLog(int maxLinesPerSecond, int queueCapacity) {
    return new MessageLog(TestService.config(new JsonObject().put("log", new JsonObject()
        .put("maxLinesPerSecond", maxLinesPerSecond).put("queueCapacity", queueCapacity))));
  }

  private static void admitAtOnce(MessageLog log, int messages) {
    long now = System.nanoTime();
    for (int i = 0; i < messages; i++) {
      log.admit(now);
    }
  }

  @Test
  void theWarningSeparatesLinesOverTheRateCapFromLinesTheLoggerHadNoRoomFor() {
    MessageLog log = messageLog(3, 2);
    // Two admitted (the queue is then full), a third within the rate but with no room, two over the rate.
    admitAtOnce(log, 5);
    log.reportDropped();
    assertThat(warnings.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "3 message log lines dropped: 2 over log.maxLinesPerSecond (3), 1 because the logger fell behind");
    assertThat(log.droppedTotal()).isEqualTo(3);

    log.reportDropped();
    assertThat(warnings.list).as("nothing dropped since the last report, nothing said").hasSize(1);
  }

  @Test
  void linesOverTheRateCapAloneAreNotBlamedOnTheLogger() {
    MessageLog log = messageLog(2, 10_000);
    admitAtOnce(log, 12);
    log.reportDropped();
    assertThat(warnings.list).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("10 message log lines dropped: over log.maxLinesPerSecond (2)");
  }
}
