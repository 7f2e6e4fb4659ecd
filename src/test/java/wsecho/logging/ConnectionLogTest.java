package wsecho.logging;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionLogTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void logsEveryConnectionUpToTheLimitInEachSecondAndCountsTheRest() {
    ConnectionLog log = new ConnectionLog(3);
    long start = System.nanoTime();
    int admitted = 0;
    for (int i = 0; i < 10; i++) {
      admitted += log.admit(start + i) ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(3);
    assertThat(log.unloggedTotal()).isEqualTo(7);

    // A new second: connections are logged again, the count since the start stays.
    assertThat(log.admit(start + 2 * SECOND)).isTrue();
    assertThat(log.unloggedTotal()).isEqualTo(7);
  }

  @Test
  void zeroMeansEveryConnectionIsLogged() {
    ConnectionLog log = new ConnectionLog(0);
    long now = System.nanoTime();
    for (int i = 0; i < 10_000; i++) {
      assertThat(log.admit(now)).isTrue();
    }
    assertThat(log.unloggedTotal()).isZero();
  }
}
