package wsecho;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cluster mode with real processes: three JVMs from the fat jar clustered over loopback with TCP-IP
 * discovery, two {@code ROLES=echo} and one {@code ROLES=logger}.
 */
class ClusterIT {

  private static final Duration START = Duration.ofSeconds(60);
  private static Vertx vertx;

  @BeforeAll
  static void clients() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeClients() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** One node's ports: HTTP, Hazelcast member, event bus. */
  private record Node(String name, int http, int member, int eventBus) {
    static Node free(String name) {
      return free(new String[] {name})[0];
    }

    /** Nodes whose ports are all different. */
    static Node[] free(String... names) {
      int[] ports = TestService.freePorts(3 * names.length);
      Node[] nodes = new Node[names.length];
      for (int i = 0; i < names.length; i++) {
        nodes[i] = new Node(names[i], ports[3 * i], ports[3 * i + 1], ports[3 * i + 2]);
      }
      return nodes;
    }
  }

  private static Map<String, String> env(Node node, String roles, List<Node> all) {
    Map<String, String> env = new HashMap<>();
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("HTTP_PORT", String.valueOf(node.http()));
    env.put("INSTANCES", "1");
    env.put("ROLES", roles);
    env.put("CLUSTER_ENABLED", "true");
    env.put("CLUSTER_HOST", "127.0.0.1");
    env.put("CLUSTER_PORT", String.valueOf(node.member()));
    env.put("CLUSTER_EVENT_BUS_PORT", String.valueOf(node.eventBus()));
    env.put("CLUSTER_MEMBERS", String.join(",", all.stream().map(n -> "127.0.0.1:" + n.member()).toList()));
    return env;
  }

  private static ServiceProcess start(Node node, String roles, List<Node> all) throws Exception {
    ServiceProcess process = ServiceProcess.start(env(node, roles, all), List.of());
    process.awaitStdout(line -> line.contains("started in"), START);
    return process;
  }

  @Test
  void echoNodesLogThroughARemoteLoggerThatCanDieAndComeBackWhileEchoesNeverStop() throws Exception {
    Node[] nodes = Node.free("logger", "echo1", "echo2");
    Node loggerNode = nodes[0];
    Node echo1 = nodes[1];
    Node echo2 = nodes[2];
    List<Node> all = List.of(loggerNode, echo1, echo2);
    ServiceProcess logger = start(loggerNode, "logger", all);
    try (ServiceProcess first = start(echo1, "echo", all); ServiceProcess second = start(echo2, "echo", all)) {
      awaitTrue("the three nodes see each other", () -> members(echo1) == 3 && members(echo2) == 3 && members(loggerNode) == 3);

      // Messages echoed on either echo node are printed by the logger, with the client's own address.
      String viaFirst = "via echo1 " + UUID.randomUUID();
      String viaSecond = "via echo2 " + UUID.randomUUID();
      Client a = Client.connect("127.0.0.5", echo1.http());
      Client b = Client.connect("127.0.0.6", echo2.http());
      String lineA = awaitLoggedAfterSending(logger, a, viaFirst);
      String lineB = awaitLoggedAfterSending(logger, b, viaSecond);
      assertThat(lineA).startsWith("127.0.0.5:" + a.localPort() + " sent: " + viaFirst);
      assertThat(lineB).startsWith("127.0.0.6:" + b.localPort() + " sent: " + viaSecond);
      assertThat(first.stdout()).as("an echo-only node prints no message lines").noneMatch(line -> line.contains(" sent: "));
      assertThat(second.stdout()).noneMatch(line -> line.contains(" sent: "));
      assertThat(metric(echo1, "wsecho_log_cluster_lines_sent_total")).isPositive();
      assertThat(metric(loggerNode, "wsecho_log_cluster_lines_received_total")).isGreaterThanOrEqualTo(2);

      // kill -9 the logger under load: every echo still comes back, in order; the lines are dropped and counted.
      Client loaded = Client.connect("127.0.0.7", echo1.http());
      Load load = new Load(loaded, 200);
      Thread sender = new Thread(load, "load");
      sender.start();
      awaitTrue("load is flowing", () -> load.echoed() > 100);

      // A hung logger (SIGSTOP: its connections stay open and nothing answers, as when the network
      // cuts it off): echoes go on, the lines are given up; when it answers again, lines flow again.
      logger.signal("STOP");
      long stoppedAt = System.nanoTime();
      try {
        echoesGoOnAndLinesAreGivenUp(echo1, load, "hung");
        assertThat(first.stdout()).anyMatch(line -> line.contains("no logger acknowledged message lines"));
        System.out.printf("cluster: lines given up %.0f ms after the logger hung%n", (System.nanoTime() - stoppedAt) / 1e6);
      } finally {
        logger.signal("CONT");
      }
      String afterHang = "after the hang " + UUID.randomUUID();
      assertThat(awaitLoggedAfterSending(logger, a, afterHang)).startsWith("127.0.0.5:" + a.localPort() + " sent: " + afterHang);
      awaitTrue("echo1 says a logger answers again",
          () -> first.stdout().stream().anyMatch(line -> line.contains("a logger acknowledges message lines again")));

      logger.kill();
      long killedAt = System.nanoTime();
      double unacknowledgedBefore = metric(echo1, "wsecho_log_cluster_lines_unacknowledged_total");
      awaitTrue("echo1 counts the lines no logger acknowledged as dropped",
          () -> metric(echo1, "wsecho_log_lines_dropped_total") > 0
              && metric(echo1, "wsecho_log_cluster_lines_unacknowledged_total") > unacknowledgedBefore);
      int echoedSinceKill = load.echoed();
      Thread.sleep(1000);
      assertThat(load.echoed()).as("echoes go on with the logger dead").isGreaterThan(echoedSinceKill + 50);
      System.out.printf("cluster: lines counted dropped %.0f ms after the logger was killed%n", (System.nanoTime() - killedAt) / 1e6);
      awaitTrue("the dead logger leaves the member list", () -> members(echo1) == 2);

      // The logger comes back (same ports): lines flow again, no restart of the echo nodes.
      logger = start(loggerNode, "logger", all);
      String afterRestart = "after the restart " + UUID.randomUUID();
      String lineC = awaitLoggedAfterSending(logger, b, afterRestart);
      assertThat(lineC).startsWith("127.0.0.6:" + b.localPort() + " sent: " + afterRestart);
      load.stop();
      sender.join(10_000);
      assertThat(load.failure()).as("no echo error, none out of order").isNull();
      System.out.printf("cluster: %d echoes under load through kill -9 and restart of the logger, 0 errors%n", load.echoed());

      // SIGTERM one echo node: its clients get 1001, it leaves the cluster; the other serves on.
      assertThat(first.stop()).isZero();
      assertThat(a.closeCode().get(10, TimeUnit.SECONDS)).isEqualTo(1001);
      assertThat(loaded.closeCode().get(10, TimeUnit.SECONDS)).isEqualTo(1001);
      assertThat(first.stdout()).anyMatch(line -> line.contains("stopped, left the cluster"));
      awaitTrue("echo2 sees echo1 gone", () -> members(echo2) == 2);
      String stillServing = "echo2 still serves " + UUID.randomUUID();
      b.send(stillServing);
      assertThat(b.next()).isEqualTo(stillServing);
      Client late = Client.connect("127.0.0.8", echo2.http());
      String lineD = awaitLoggedAfterSending(logger, late, "a new client " + UUID.randomUUID());
      assertThat(lineD).startsWith("127.0.0.8:" + late.localPort() + " sent: a new client");
    } finally {
      logger.close();
    }
  }

  @Test
  void aLoggerCutOffByTheNetworkCostsTheEchoNothingAndLinesFlowWhenTheNetworkHeals() throws Exception {
    Assumptions.assumeTrue(iptablesWorks(), "no partition test: iptables is not usable here (needs root and iptables)");
    Node[] nodes = Node.free("logger", "echo");
    Node loggerNode = nodes[0];
    Node echoNode = nodes[1];
    List<Node> all = List.of(loggerNode, echoNode);
    try (ServiceProcess logger = start(loggerNode, "logger", all); ServiceProcess echo = start(echoNode, "echo", all)) {
      awaitTrue("the two nodes see each other", () -> members(echoNode) == 2 && members(loggerNode) == 2);
      Client client = Client.connect("127.0.0.9", echoNode.http());
      awaitLoggedAfterSending(logger, client, "before the partition " + UUID.randomUUID());
      Load load = new Load(Client.connect("127.0.0.10", echoNode.http()), 200);
      Thread sender = new Thread(load, "load");
      sender.start();
      awaitTrue("load is flowing", () -> load.echoed() > 100);
      // Every packet to or from the logger's cluster ports is dropped: no reset, no answer.
      partition(loggerNode, true);
      long cutAt = System.nanoTime();
      try {
        echoesGoOnAndLinesAreGivenUp(echoNode, load, "cut off");
        System.out.printf("cluster: lines given up %.0f ms after the logger was cut off%n", (System.nanoTime() - cutAt) / 1e6);
      } finally {
        partition(loggerNode, false);
      }
      String healed = "after the partition " + UUID.randomUUID();
      assertThat(awaitLoggedAfterSending(logger, client, healed)).startsWith("127.0.0.9:" + client.localPort() + " sent: " + healed);
      load.stop();
      sender.join(10_000);
      assertThat(load.failure()).as("no echo error through the partition").isNull();
      assertThat(echo.stdout()).anyMatch(line -> line.contains("a logger acknowledges message lines again"));
    }
  }

  private static boolean iptablesWorks() {
    try {
      Process list = new ProcessBuilder("iptables", "-L", "INPUT", "-n").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return list.waitFor(10, TimeUnit.SECONDS) && list.exitValue() == 0;
    } catch (IOException | InterruptedException notThere) {
      return false;
    }
  }

  /** Drops (or stops dropping) every loopback packet to or from the node's member and event-bus ports. */
  private static void partition(Node node, boolean cut) throws Exception {
    for (int port : new int[] {node.member(), node.eventBus()}) {
      for (String side : new String[] {"--dport", "--sport"}) {
        Process rule = new ProcessBuilder("iptables", cut ? "-I" : "-D", "INPUT", "-i", "lo", "-p", "tcp", side,
            String.valueOf(port), "-j", "DROP").inheritIO().start();
        assertThat(rule.waitFor(10, TimeUnit.SECONDS) && rule.exitValue() == 0).as("iptables " + side + " " + port).isTrue();
      }
    }
  }

  @Test
  void aClusterPortAlreadyTakenIsOneLineAndExitCode1() throws Exception {
    Node node = Node.free("taken");
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), node.member()));
      try (ServiceProcess process = ServiceProcess.start(env(node, "echo", List.of(node)), List.of())) {
        assertThat(process.awaitExit(START)).isEqualTo(1);
        assertThat(process.stderr()).containsExactly("Cannot start clustered: cluster.port " + node.member()
            + " on 127.0.0.1 is not free: Address already in use");
      }
    }
  }

  @Test
  void clusteringWithoutTheClusterJarsBesideTheJarIsOneLineAndExitCode1(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path alone = Files.copy(ServiceProcess.jar(), dir.resolve("ws-echo.jar"));
    Node node = Node.free("alone");
    try (ServiceProcess process = ServiceProcess.start(alone, env(node, "echo", List.of(node)), List.of())) {
      assertThat(process.awaitExit(START)).isEqualTo(1);
      assertThat(process.stderr()).hasSize(1);
      assertThat(process.stderr().get(0)).startsWith("Cannot start clustered: cluster.enabled needs cluster/vertx-hazelcast.jar");
    }
    // The same jar alone runs single-node as before: the cluster jars are needed only to cluster.
    int port = TestService.freePort();
    try (ServiceProcess single = ServiceProcess.start(alone, Map.of("HTTP_PORT", String.valueOf(port), "INSTANCES", "1"), List.of())) {
      single.awaitStdout(line -> line.contains("listening on"), START);
      assertThat(single.stop()).isZero();
    }
  }

  private static String awaitLoggedAfterSending(ServiceProcess logger, Client client, String text) throws Exception {
    // The logger's subscription reaches an echo node through Hazelcast shortly after the logger
    // starts: a message sent before that has no logger yet and its line is dropped, so resend.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      client.send(text);
      assertThat(client.next()).isEqualTo(text);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (System.nanoTime() < until) {
        for (String line : logger.stdout()) {
          if (line.endsWith(" sent: " + text)) {
            return line;
          }
        }
        Thread.sleep(20);
      }
    }
    throw new AssertionError("the logger never printed \"" + text + "\"; its output: " + logger.stdout());
  }

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static String get(Node node, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.http() + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException | InterruptedException e) {
      return "";
    }
  }

  /** The member count /health/ready reports, or -1. */
  private static int members(Node node) {
    String body = get(node, "/health/ready");
    if (!body.startsWith("{")) {
      return -1;
    }
    for (Object check : new JsonObject(body).getJsonArray("checks")) {
      JsonObject c = (JsonObject) check;
      if ("cluster-member".equals(c.getString("id"))) {
        return c.getJsonObject("data").getInteger("members");
      }
    }
    return -1;
  }

  /** With the logger out of reach ({@code how}), the echo node gives up its lines and the load's echoes go on. */
  private static void echoesGoOnAndLinesAreGivenUp(Node echoNode, Load load, String how) throws InterruptedException {
    awaitTrue("the echo node gives up the lines the " + how + " logger does not acknowledge",
        () -> metric(echoNode, "wsecho_log_cluster_lines_unacknowledged_total") > 0);
    int echoedMeanwhile = load.echoed();
    Thread.sleep(1000);
    assertThat(load.echoed()).as("echoes go on with the logger " + how).isGreaterThan(echoedMeanwhile + 50);
  }

  private static double metric(Node node, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.E+-]+)$").matcher(get(node, "/metrics"));
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(100);
    }
  }

  /** A WebSocket client connecting from a chosen loopback address, so the log line can be told apart. */
  private static final class Client {
    private final WebSocket socket;
    private final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();

    private Client(WebSocket socket) {
      this.socket = socket;
      socket.textMessageHandler(texts::add);
      socket.closeHandler(v -> closeCode.complete(socket.closeStatusCode() == null ? -1 : (int) socket.closeStatusCode()));
    }

    static Client connect(String source, int port) throws Exception {
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress(source));
      return new Client(client.connect(port, "127.0.0.1", "/ws/echo").toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS));
    }

    int localPort() {
      return socket.localAddress().port();
    }

    void send(String text) throws Exception {
      socket.writeTextMessage(text).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    String next() throws InterruptedException {
      String text = texts.poll(10, TimeUnit.SECONDS);
      if (text == null) {
        throw new AssertionError("no echo within 10 s");
      }
      return text;
    }

    CompletableFuture<Integer> closeCode() {
      return closeCode;
    }
  }

  /** Sends numbered messages at a steady rate and checks each echo comes back, in order. */
  private static final class Load implements Runnable {
    private final Client client;
    private final long periodNanos;
    private final AtomicInteger echoed = new AtomicInteger();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile boolean stopped;

    Load(Client client, int perSecond) {
      this.client = client;
      this.periodNanos = 1_000_000_000L / perSecond;
    }

    @Override
    public void run() {
      long next = System.nanoTime();
      for (int i = 0; !stopped && i < 1_000_000; i++) {
        try {
          String text = "load " + i;
          client.send(text);
          String echo = client.next();
          if (!echo.equals(text)) {
            failure.compareAndSet(null, "sent \"" + text + "\", got \"" + echo + "\"");
            return;
          }
          echoed.incrementAndGet();
        } catch (Exception | AssertionError e) {
          failure.compareAndSet(null, "message " + i + ": " + e);
          return;
        }
        next += periodNanos;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          try {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    int echoed() {
      return echoed.get();
    }

    String failure() {
      return failure.get();
    }

    void stop() {
      stopped = true;
    }
  }
}
