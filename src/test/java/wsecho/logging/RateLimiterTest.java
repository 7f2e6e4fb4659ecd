package wsecho.logging;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {

  private static final long MS = 1_000_000L;

  private static int admitted(RateLimiter limiter, long at, int tries) {
    int admitted = 0;
    for (int i = 0; i < tries; i++) {
      admitted += limiter.admit(at) ? 1 : 0;
    }
    return admitted;
  }

  @Test
  void admitsASecondsWorthAtOnceThenRefuses() {
    RateLimiter limiter = new RateLimiter(1000);
    long now = System.nanoTime();
    assertThat(admitted(limiter, now, 5000)).isEqualTo(1000);
  }

  @Test
  void underSustainedLoadSpreadsWhatItAdmitsEvenlyOverTheSecond() {
    RateLimiter limiter = new RateLimiter(1000);
    long start = System.nanoTime();
    admitted(limiter, start, 5000); // the burst allowance is spent
    // 20 events every millisecond for two seconds: one per millisecond gets through, every millisecond.
    int total = 0;
    for (int ms = 1; ms <= 2000; ms++) {
      int now = admitted(limiter, start + ms * MS, 20);
      assertThat(now).as("admitted at %d ms", ms).isEqualTo(1);
      total += now;
    }
    assertThat(total).isEqualTo(2000);
  }

  @Test
  void aQuietSecondRefillsTheWholeAllowance() {
    RateLimiter limiter = new RateLimiter(100);
    long start = System.nanoTime();
    assertThat(admitted(limiter, start, 500)).isEqualTo(100);
    assertThat(admitted(limiter, start + 1000 * MS, 500)).isEqualTo(100);
  }

  @Test
  void zeroAdmitsEverything() {
    RateLimiter limiter = new RateLimiter(0);
    assertThat(admitted(limiter, System.nanoTime(), 100_000)).isEqualTo(100_000);
  }
}
