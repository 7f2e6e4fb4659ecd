package wsecho.ws;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class BufferBudgetTest {

  private static final long LIMIT = 1024 * 1024;

  @Test
  void readsAreGrantedInFullBelowThreeQuarters() {
    BufferBudget budget = new BufferBudget(LIMIT);
    assertThat(budget.reserve(64 * 1024, 500_000)).isEqualTo(64 * 1024);
    assertThat(budget.held()).isEqualTo(64 * 1024);
  }

  @Test
  void nearTheBudgetOnlySmallHoldersReadAndOnlyUpToTheSmallHolding() {
    BufferBudget budget = new BufferBudget(LIMIT);
    budget.add(LIMIT / 4 * 3);
    assertThat(budget.reserve(64 * 1024, BufferBudget.MIN_HOLDING)).as("a large holder").isZero();
    assertThat(budget.mayRead(BufferBudget.MIN_HOLDING)).isFalse();
    assertThat(budget.reserve(64 * 1024, 1024)).as("a small holder, up to 8 KiB in all").isEqualTo(7 * 1024);
    assertThat(budget.mayRead(0)).isTrue();
  }

  @Test
  void largeHoldersResumeOnlyWellBelowWhereTheyStopped() {
    BufferBudget budget = new BufferBudget(LIMIT);
    budget.add(LIMIT / 4 * 3 - 1024);
    assertThat(budget.mayResume(100_000)).isFalse();
    budget.add(-(LIMIT / 16));
    assertThat(budget.mayResume(100_000)).isTrue();
  }

  @Test
  void noMixOfReservationsPassesTheLimit() {
    BufferBudget budget = new BufferBudget(LIMIT);
    Random random = new Random(11);
    for (int i = 0; i < 100_000; i++) {
      long want = 1 + random.nextInt(70_000);
      long grant = random.nextBoolean() ? budget.reserve(want, random.nextInt(20_000))
          : budget.reserve(want, want, random.nextInt(20_000));
      assertThat(grant).isBetween(0L, want);
      assertThat(budget.held()).isLessThanOrEqualTo(LIMIT);
      if (random.nextInt(3) == 0) {
        budget.add(-Math.min(budget.held(), random.nextInt(100_000)));
      }
    }
  }
}
