package wsecho;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The built jar, started as a process, with a client that is not Vert.x: the JDK's own. */
class FatJarIT {

  private static final Duration START = Duration.ofSeconds(30);

  /** On Linux x86_64 (this project's CI and image) the native transport is the default and loads. */
  @ParameterizedTest(name = "engine {0}, transport {1}")
  @CsvSource({"strict, native", "vertx, native", "strict, nio"})
  void theJarStartsEchoesAndLogsEachMessage(String engine, String transport) throws Exception {
    int port = TestService.freePort();
    try (ServiceProcess service = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(port), "INSTANCES", "2",
        "WEBSOCKET_ENGINE", engine, "TRANSPORT", transport), List.of())) {
      String listening = service.awaitStdout(line -> line.contains("listening on"), START);
      assertThat(listening).contains("0.0.0.0:" + port, "engine " + engine + ",", "2 echo instances", "Vert.x 5.0.7",
          transport.equals("native") ? "transport native (epoll)," : "transport nio,");

      JdkWebSocket ws = JdkWebSocket.connect("ws://127.0.0.1:" + port + "/ws/echo");
      ws.sendText("hello from the JDK client 你好");
      assertThat(ws.next().text()).isEqualTo("hello from the JDK client 你好");
      ws.sendBinary(new byte[] {1, 2, (byte) 0xfe});
      assertThat(ws.next().bytes()).containsExactly(1, 2, (byte) 0xfe);

      service.awaitStdout(line -> line.matches("127\\.0\\.0\\.1:\\d+ sent: hello from the JDK client 你好"), START);
      service.awaitStdout(line -> line.matches("127\\.0\\.0\\.1:\\d+ sent: \\[binary 3 bytes] 0102fe"), START);
      ws.close(1000, "done");
      service.awaitStdout(line -> line.contains("closed from 127.0.0.1") && line.contains("code 1000"), START);

      assertThat(service.stop()).isZero();
    }
  }

  /**
   * The Dockerfile names the runtime's modules itself (jdeps also lists modules only unused parts of
   * the libraries reach): every module jdeps finds in the jar is in that list or is one of those.
   */
  @Test
  void theImageRuntimeHasEveryModuleTheJarNeeds() throws Exception {
    Process jdeps = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jdeps").toString(),
        "--ignore-missing-deps", "--print-module-deps", "--multi-release", "17", ServiceProcess.jar().toString())
        .redirectErrorStream(true).start();
    String found = new String(jdeps.getInputStream().readAllBytes()).trim();
    assertThat(jdeps.waitFor()).as(found).isZero();
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    java.util.regex.Matcher modules = java.util.regex.Pattern.compile("ARG MODULES=(\\S+)").matcher(dockerfile);
    assertThat(modules.find()).as("the Dockerfile's ARG MODULES").isTrue();
    List<String> left = new ArrayList<>(List.of(found.split(",")));
    left.removeAll(List.of(modules.group(1).split(",")));
    assertThat(left).as("modules jdeps finds that the image leaves out (%s)", found)
        .containsExactlyInAnyOrder("java.compiler", "java.desktop", "java.sql");
  }

  @Test
  void theClientAddressIsTheForwardedOneOnlyFromATrustedProxy() throws Exception {
    int port = TestService.freePort();
    String url = "ws://127.0.0.1:" + port + "/ws/echo";
    // Trusted: loopback is the proxy, the forwarded address is the client's.
    try (ServiceProcess service = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(port),
        "HTTP_TRUSTED_PROXIES", "127.0.0.0/8,::1"), List.of())) {
      service.awaitStdout(line -> line.contains("listening on"), START);
      JdkWebSocket ws = JdkWebSocket.connect(url, Map.of("X-Forwarded-For", "198.51.100.23, 127.0.0.1"));
      ws.sendText("from behind a trusted proxy");
      ws.next();
      service.awaitStdout(line -> line.equals("198.51.100.23 sent: from behind a trusted proxy"), START);
      service.awaitStdout(line -> line.contains("opened from 198.51.100.23"), START);
      assertThat(service.stop()).isZero();
    }
    // Untrusted (the default): a forged header changes nothing.
    try (ServiceProcess service = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(port)), List.of())) {
      service.awaitStdout(line -> line.contains("listening on"), START);
      JdkWebSocket ws = JdkWebSocket.connect(url, Map.of("X-Forwarded-For", "6.6.6.6"));
      ws.sendText("forged");
      ws.next();
      service.awaitStdout(line -> line.matches("127\\.0\\.0\\.1:\\d+ sent: forged"), START);
      assertThat(service.stdout()).noneMatch(line -> line.contains("6.6.6.6"));
      assertThat(service.stop()).isZero();
    }
  }

  @Test
  void everyMessageLineReachesStandardOutputWholeWhileConnectionsComeAndGo() throws Exception {
    // Message lines leave in bursts through a buffer (StdoutAppender) while connection lines go
    // through another appender to the same descriptor: none may be lost, split or merged.
    int port = TestService.freePort();
    Map<String, String> env = Map.of("HTTP_PORT", String.valueOf(port), "INSTANCES", "2", "LOG_MAX_LINES_PER_SECOND", "0");
    try (ServiceProcess service = ServiceProcess.start(env, List.of())) {
      service.awaitStdout(line -> line.contains("listening on"), START);
      String url = "ws://127.0.0.1:" + port + "/ws/echo";
      int senders = 4;
      int messages = 400; // about 170 KB of lines: the 64 KiB buffer fills several times
      List<JdkWebSocket> clients = new ArrayList<>();
      for (int c = 0; c < senders; c++) {
        clients.add(JdkWebSocket.connect(url));
      }
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < messages; i++) {
        for (int c = 0; c < senders; c++) {
          String text = "line " + c + "-" + i + " " + "y".repeat(i % 100);
          clients.get(c).sendText(text);
          sent.add(text);
        }
        if (i % 40 == 0) {
          JdkWebSocket.connect(url).close(1000, "churn");
        }
      }
      for (JdkWebSocket client : clients) {
        for (int i = 0; i < messages; i++) {
          client.next();
        }
      }

      long deadline = System.nanoTime() + START.toNanos();
      List<String> lines = messageLines(service);
      while (lines.size() < sent.size() && System.nanoTime() < deadline) {
        Thread.sleep(50);
        lines = messageLines(service);
      }
      assertThat(lines).allSatisfy(line -> assertThat(line).matches("127\\.0\\.0\\.1:\\d+ sent: line \\d+-\\d+ y*"));
      assertThat(lines.stream().map(line -> line.substring(line.indexOf(" sent: ") + 7)).toList())
          .containsExactlyInAnyOrderElementsOf(sent);
      assertThat(service.stdout()).filteredOn(line -> line.contains("opened from")).hasSizeGreaterThanOrEqualTo(senders + 10);
      assertThat(service.stdout()).noneMatch(line -> line.contains("dropped"));
      assertThat(service.stop()).isZero();
    }
  }

  @Test
  void connectionsOverTheLogRateAreCountedAndSummedUpNotLogged() throws Exception {
    int port = TestService.freePort();
    Map<String, String> env = Map.of("HTTP_PORT", String.valueOf(port), "LOG_MAX_CONNECTIONS_PER_SECOND", "1");
    try (ServiceProcess service = ServiceProcess.start(env, List.of())) {
      service.awaitStdout(line -> line.contains("listening on"), START);
      String url = "ws://127.0.0.1:" + port + "/ws/echo";
      long start = System.nanoTime();
      int connections = 10;
      for (int i = 0; i < connections; i++) {
        JdkWebSocket ws = JdkWebSocket.connect(url);
        ws.sendText("n" + i);
        assertThat(ws.next().text()).isEqualTo("n" + i); // every connection is served, logged or not
        ws.close(1000, "done");
        ws.closeCode();
      }
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      Thread.sleep(1100); // the next connection opens a new second; the once-a-second report sums up the rest
      JdkWebSocket.connect(url).close(1000, "done");

      String summary = service.awaitStdout(line -> line.contains("connections were not logged"), START);
      assertThat(summary).contains("log.maxConnectionsPerSecond = 1");
      // The last connection's own line goes through the async log: wait for it.
      long deadline = System.nanoTime() + START.toNanos();
      long opened = 0;
      while ((opened = service.stdout().stream().filter(line -> line.contains(" opened from ")).count()) < 2
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(opened).as("one connection logged per second").isBetween(2L, seconds + 3); // windows touched by the loop, and the last one
      HttpResponse<String> metrics = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body()).containsPattern("wsecho_log_connections_unlogged_total [1-9]");
    }
  }

  private static List<String> messageLines(ServiceProcess service) {
    return service.stdout().stream().filter(line -> line.contains(" sent: ")).toList();
  }

  @Test
  void aSystemPropertyOverridesTheEnvironmentWhichOverridesTheFile(@TempDir Path dir) throws Exception {
    int filePort = TestService.freePort();
    int envPort = TestService.freePort();
    int sysPort = TestService.freePort();
    Path file = Files.writeString(dir.resolve("config.json"), "{\"http\": {\"port\": " + filePort + "}}");
    Map<String, String> env = Map.of("CONFIG_PATH", file.toString(), "HTTP_PORT", String.valueOf(envPort));

    try (ServiceProcess service = ServiceProcess.start(env, List.of("-Dhttp.port=" + sysPort))) {
      assertThat(service.awaitStdout(line -> line.contains("listening on"), START)).contains(":" + sysPort + " ");
    }
    try (ServiceProcess service = ServiceProcess.start(env, List.of())) {
      assertThat(service.awaitStdout(line -> line.contains("listening on"), START)).contains(":" + envPort + " ");
    }
    try (ServiceProcess service = ServiceProcess.start(Map.of("CONFIG_PATH", file.toString()), List.of())) {
      assertThat(service.awaitStdout(line -> line.contains("listening on"), START)).contains(":" + filePort + " ");
    }
  }

  @ParameterizedTest(name = "{0}={1} is refused naming {2}")
  @CsvSource({
      "HTTP_PORT, abc, http.port = \"abc\"",
      "HTTP_PORT, 70000, http.port = \"70000\"",
      "INSTANCES, -1, instances = \"-1\"",
      "WEBSOCKET_ENGINE, netty, websocket.engine = \"netty\" (expected strict or vertx)",
      "HTTP_TRUSTED_PROXIES, 10.0.0.0/40, http.trustedProxies = \"10.0.0.0/40\" (expected addresses or CIDRs such as 10.0.0.0/8)",
      "CONFIG_PATH, /nonexistent/ws-echo.json, config file /nonexistent/ws-echo.json does not exist",
  })
  void badConfigurationStopsWithOneLineAndANonZeroExit(String name, String value, String expected) throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of(name, value), List.of())) {
      assertThat(service.awaitExit(START)).isEqualTo(2);
      assertOneLine(service, expected);
    }
  }

  @Test
  void malformedJsonStopsWithOneLineAndANonZeroExit(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("broken.json"), "{ \"http\": { \"port\": 8000 ");
    try (ServiceProcess service = ServiceProcess.start(Map.of("CONFIG_PATH", file.toString()), List.of())) {
      assertThat(service.awaitExit(START)).isEqualTo(2);
      assertOneLine(service, file + " is not valid JSON");
    }
  }

  @Test
  void aPortInUseStopsWithOneLineAndANonZeroExit() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Map<String, String> env = Map.of("HTTP_HOST", "127.0.0.1", "HTTP_PORT", String.valueOf(taken.getLocalPort()));
      try (ServiceProcess service = ServiceProcess.start(env, List.of())) {
        assertThat(service.awaitExit(START)).isEqualTo(1);
        assertOneLine(service, "Cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use");
      }
    }
  }

  private static void assertOneLine(ServiceProcess service, String expected) {
    assertThat(service.stderr()).as("stderr").hasSize(1);
    assertThat(service.stderr().get(0)).contains(expected).doesNotContain("Exception");
    assertThat(service.stdout()).as("stdout").noneMatch(line -> line.contains("\tat ") || line.contains("Exception"));
  }
}
