package wsecho.bench;

/** {@code java -jar ws-echo.jar bench ...}: the load generator that ships with the service. */
public final class BenchCommand {

  private BenchCommand() {}

  /** Returns the process exit code: 0 when every echo matched, 1 otherwise, 2 for bad arguments. */
  public static int run(String[] args) {
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.err.println(BenchOptions.USAGE);
      return 2;
    }
    try {
      if (options.idle() > 0) {
        return new ConnectionBench(options, System.out).idle();
      }
      if (options.slowRead() > 0) {
        return new SlowReaderBench(options, System.out).run();
      }
      if (options.handshakes()) {
        return new HandshakeBench(options, System.out).run();
      }
      return new LoadGenerator(options, System.out).run();
    } catch (Exception e) {
      System.err.println("bench: " + e);
      return 1;
    }
  }
}
