package wsecho.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionLogTest {

  private static final long SECOND = 1_000_000_000L;

  private final Logger connectionLogLogger = (Logger) LoggerFactory.getLogger(ConnectionLog.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Level levelBefore = connectionLogLogger.getLevel();

  ConnectionLogTest() {
    lines.start();
    connectionLogLogger.addAppender(lines);
    connectionLogLogger.setLevel(Level.INFO); // the tests' root level is WARN; the summary is INFO, as shipped
  }

  @AfterEach
  void detach() {
    connectionLogLogger.detachAppender(lines);
    connectionLogLogger.setLevel(levelBefore);
  }

  @Test
  void logsEveryConnectionUpToTheLimitInEachSecondAndCountsTheRest() {
    ConnectionLog log = new ConnectionLog(3);
    long start = System.nanoTime();
    int admitted = arrive(log, 10, start, 1);
    assertThat(admitted).isEqualTo(3);
    assertThat(log.unloggedTotal()).isEqualTo(7);

    // A new second: connections are logged again, the count since the start stays.
    assertThat(log.admit(start + 2 * SECOND)).isTrue();
    assertThat(log.unloggedTotal()).isEqualTo(7);
  }

  @Test
  void aFloodIsSummedUpOnceASecondNotOnceForEveryConnectionLogged() {
    ConnectionLog log = new ConnectionLog(100);
    long start = System.nanoTime();
    // 4,000 connections in one second, evenly: the cap admits one every 10 ms, each after 39 left out.
    int admitted = arrive(log, 4_000, start + 2 * SECOND, SECOND / 4_000);
    assertThat(admitted).isBetween(150, 250); // a second's worth at once, then one per 10 ms
    assertThat(lines.list).as("no line while connections arrive").isEmpty();

    log.reportUnlogged();
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        (4_000 - admitted) + " connections were not logged (over log.maxConnectionsPerSecond = 100)");

    log.reportUnlogged();
    assertThat(lines.list).as("none left out since the last report, nothing said").hasSize(1);
  }

  /** {@code count} connections arriving {@code everyNanos} apart from {@code fromNanos}: how many were admitted. */
  private static int arrive(ConnectionLog log, int count, long fromNanos, long everyNanos) {
    int admitted = 0;
    for (int i = 0; i < count; i++) {
      admitted += log.admit(fromNanos + i * everyNanos) ? 1 : 0;
    }
    return admitted;
  }

  @Test
  void zeroMeansEveryConnectionIsLogged() {
    ConnectionLog log = new ConnectionLog(0);
    long now = System.nanoTime();
    for (int i = 0; i < 10_000; i++) {
      assertThat(log.admit(now)).isTrue();
    }
    assertThat(log.unloggedTotal()).isZero();
    log.reportUnlogged();
    assertThat(lines.list).isEmpty();
  }
}
