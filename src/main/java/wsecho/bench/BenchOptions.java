package wsecho.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * The load generator's command line:
 * {@code bench --url ws://127.0.0.1:8000/ws/echo --connections 100 --size 64 --window 16 --duration 20s
 * [--binary] [--rate R] [--warmup 3s] [--idle N] [--handshakes] [--threads 1] [--quiet] [--write-per-message]}.
 */
record BenchOptions(URI url, int connections, int size, int window, Duration duration, Duration warmup,
                    boolean binary, int rate, int idle, boolean handshakes, int threads, boolean quiet,
                    boolean writePerMessage, boolean deflate, int slowRead) {

  static final String USAGE = String.join("\n",
      "usage: java -jar ws-echo.jar bench --url ws://HOST:PORT/ws/echo [options]",
      "  --connections N   concurrent connections (default 100)",
      "  --size BYTES      message size (default 64)",
      "  --window W        messages in flight per connection (default 16)",
      "  --duration 20s    measured time, after the warm-up (default 20s)",
      "  --warmup 3s       time before measuring (default 3s)",
      "  --binary          binary messages (default text)",
      "  --rate R          at most R messages per second in all (default: as fast as echoes come back)",
      "  --idle N          open N idle connections from 127.0.0.2, 127.0.0.3, ... and hold them for the duration",
      "  --handshakes      measure connections per second: connect, one echo, close, repeated",
      "  --threads T       event loops of the load generator (default 1)",
      "  --quiet           no progress line per second",
      "  --write-per-message  every message is its own TCP write, flushed on its own, as browsers send",
      "                    (default: messages sent while echoes are read share a write)",
      "  --deflate         negotiate permessage-deflate: messages are sent compressed",
      "  --slow-read B     slow readers: each connection sends one binary message of --size at a time and",
      "                    reads its echo at B bytes per second, checked byte for byte");

  static BenchOptions parse(String[] args) {
    URI url = null;
    int connections = 100, size = 64, window = 16, rate = 0, idle = 0, threads = 1, slowRead = 0;
    Duration duration = Duration.ofSeconds(20), warmup = Duration.ofSeconds(3);
    boolean binary = false, handshakes = false, quiet = false, writePerMessage = false, deflate = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--binary" -> binary = true;
        case "--handshakes" -> handshakes = true;
        case "--quiet" -> quiet = true;
        case "--write-per-message" -> writePerMessage = true;
        case "--deflate" -> deflate = true;
        case "--url", "--connections", "--size", "--window", "--duration", "--warmup", "--rate", "--idle", "--threads",
             "--slow-read" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(arg + " needs a value");
          }
          String value = args[++i];
          switch (arg) {
            case "--url" -> url = URI.create(value);
            case "--connections" -> connections = positive(arg, value);
            case "--size" -> size = nonNegative(arg, value);
            case "--window" -> window = positive(arg, value);
            case "--duration" -> duration = duration(arg, value);
            case "--warmup" -> warmup = duration(arg, value);
            case "--rate" -> rate = nonNegative(arg, value);
            case "--idle" -> idle = positive(arg, value);
            case "--threads" -> threads = positive(arg, value);
            case "--slow-read" -> slowRead = positive(arg, value);
            default -> throw new IllegalStateException(arg);
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    if (url == null || !(url.getScheme().equals("ws") || url.getScheme().equals("wss"))) {
      throw new IllegalArgumentException("--url ws://HOST:PORT/PATH is required");
    }
    int minimum = binary ? 8 : 16; // room for the sequence number
    if (!handshakes && idle == 0 && size < minimum) {
      throw new IllegalArgumentException("--size must be at least " + minimum + " to carry a sequence number");
    }
    return new BenchOptions(url, connections, size, window, duration, warmup, binary, rate, idle, handshakes, threads, quiet,
        writePerMessage, deflate, slowRead);
  }

  private static int positive(String name, String value) {
    int n = nonNegative(name, value);
    if (n == 0) {
      throw new IllegalArgumentException(name + " must be at least 1");
    }
    return n;
  }

  private static int nonNegative(String name, String value) {
    try {
      int n = Integer.parseInt(value.replace("_", ""));
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " takes a non-negative integer, not " + value);
    }
  }

  private static Duration duration(String name, String value) {
    String v = value.toLowerCase(Locale.ROOT);
    try {
      if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      if (v.endsWith("s")) return Duration.ofMillis((long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
      if (v.endsWith("m")) return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
      return Duration.ofSeconds(Long.parseLong(v));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " takes a duration such as 20s, 500ms or 2m, not " + value);
    }
  }

  String host() {
    return url.getHost();
  }

  int port() {
    return url.getPort() != -1 ? url.getPort() : url.getScheme().equals("wss") ? 443 : 80;
  }

  String path() {
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
  }

  boolean ssl() {
    return url.getScheme().equals("wss");
  }
}
