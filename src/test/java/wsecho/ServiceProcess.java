package wsecho;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The built fat jar, run as its own process the way a user runs it: {@code java -jar}. */
public final class ServiceProcess implements AutoCloseable {

  private final Process process;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();
  private final List<Thread> readers = new ArrayList<>();

  private ServiceProcess(Process process) {
    this.process = process;
    readers.add(drain(process.getInputStream(), stdout));
    readers.add(drain(process.getErrorStream(), stderr));
  }

  public static Path jar() {
    String jar = System.getProperty("wsecho.jar", "target/ws-echo.jar");
    return Path.of(jar).toAbsolutePath();
  }

  /** Starts the jar from the repository root, with extra environment and JVM system properties. */
  public static ServiceProcess start(Map<String, String> env, List<String> jvmArgs) throws IOException {
    return start(jar(), env, jvmArgs);
  }

  /** As {@link #start(Map, List)}, from another copy of the jar. */
  public static ServiceProcess start(Path jar, Map<String, String> env, List<String> jvmArgs) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.addAll(jvmArgs);
    command.add("-jar");
    command.add(jar.toString());
    ProcessBuilder builder = new ProcessBuilder(command).directory(Path.of("").toAbsolutePath().toFile());
    builder.environment().remove("CONFIG_PATH");
    builder.environment().keySet().removeIf(name -> name.startsWith("HTTP_") || name.startsWith("WEBSOCKET_")
        || name.startsWith("LOG_") || name.equals("INSTANCES") || name.startsWith("EVENT_BUS_") || name.startsWith("CLUSTER_")
        || name.equals("ROLES"));
    builder.environment().putAll(env);
    return new ServiceProcess(builder.start());
  }

  private static Thread drain(java.io.InputStream stream, List<String> into) {
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        for (String line; (line = lines.readLine()) != null; ) {
          into.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "service-output");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  /** Waits for a line on standard output; fails with everything printed so far if none comes. */
  public String awaitStdout(Predicate<String> wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : stdout) {
        if (wanted.test(line)) {
          return line;
        }
      }
      if (!process.isAlive() && process.exitValue() != 0) {
        break;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no such line on stdout; stdout=" + stdout + " stderr=" + stderr);
  }

  /** Waits for the process to exit by itself and returns its exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the service did not exit; stdout=" + stdout + " stderr=" + stderr);
    }
    for (Thread reader : readers) {
      reader.join(5000); // the readers end at end of stream: every line is in
    }
    return process.exitValue();
  }

  public List<String> stdout() {
    return stdout;
  }

  public List<String> stderr() {
    return stderr;
  }

  /** SIGTERM, then the exit code. */
  public int stop() throws InterruptedException {
    // Through the handle: Process.destroy() also closes our ends of the pipes, losing the last lines.
    process.toHandle().destroy();
    return awaitExit(Duration.ofSeconds(20));
  }

  /** Sends a signal by name (STOP, CONT, ...) with kill(1). */
  public void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + name + " " + process.pid() + " failed");
    }
  }

  /** SIGKILL: the process ends at once, without a drain and without leaving a cluster. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
