package wsecho;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import wsecho.k8s.RenderedManifests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile built with podman on bases made from Debian packages ({@code scripts/podman/bases}),
 * and the image run the way {@code k8s/} runs it: the user, port, probe paths, writable path, config
 * mount, environment and memory limit are read from the rendered manifests, so a change on either
 * side that breaks the other fails here. Ports on loopback only.
 */
class ContainerImageIT {

  private static final String IMAGE = "localhost/ws-echo:it";
  private static final String NAME = "ws-echo-it-" + ProcessHandle.current().pid();

  private static RenderedManifests manifests;
  private static Container container;
  private static Path configFile;
  private static int port;
  private static String runtimeImage;

  @BeforeAll
  static void buildImage() throws Exception {
    Assumptions.assumeTrue(podmanRuns(), "ContainerImageIT skipped: podman cannot run containers on this machine "
        + "(apt-get install podman runc debootstrap, as root)");
    List<String> bases = run(Duration.ofMinutes(10), "scripts/podman/bases").lines().toList();
    assertThat(bases).hasSize(2);
    runtimeImage = bases.get(1);
    run(Duration.ofMinutes(10), "scripts/podman/run", "build", "--quiet", "--build-arg", "JDK_IMAGE=" + bases.get(0),
        "--build-arg", "RUNTIME_IMAGE=" + runtimeImage, "-t", IMAGE, ".");
    manifests = RenderedManifests.render();
    container = manifests.container();
    Path dir = Files.createDirectories(Path.of("target", "container-it").toAbsolutePath());
    configFile = Files.writeString(dir.resolve(configFileName()), manifests.the(ConfigMap.class).getData().get(configFileName()));
    port = TestService.freePort();
  }

  @AfterAll
  static void removeContainer() throws Exception {
    if (manifests != null) {
      new ProcessBuilder("scripts/podman/run", "rm", "--force", "--time", "0", NAME).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void runsAsTheManifestsSayServesEchoesAndDrainsOnStop() throws Exception {
    long runAt = System.nanoTime();
    run(Duration.ofMinutes(1), podmanRun(List.of("--detach", "--name", NAME), Map.of()));
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + port;
    awaitReady(http, base + container.getReadinessProbe().getHttpGet().getPath());
    long readyAfterMs = (System.nanoTime() - runAt) / 1_000_000;
    String startLine = awaitLog(line -> line.contains("listening on"));
    // The epoll library comes from the image (java.library.path): /tmp is a noexec tmpfs here.
    assertThat(startLine).contains("engine strict", "transport native (epoll)", "started in");
    assertThat(get(http, base + container.getLivenessProbe().getHttpGet().getPath()).statusCode()).isEqualTo(200);
    HttpResponse<String> page = get(http, base + "/ws/echo_display");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("id=\"status\"");
    // The heap is sized from the memory limit: the default budget is a quarter of it.
    long budget = (long) Double.parseDouble(get(http, base + "/metrics").body().lines()
        .filter(line -> line.startsWith("wsecho_buffered_limit_bytes ")).findFirst().orElseThrow().split(" ")[1]);
    long limit = container.getResources().getLimits().get("memory").getNumericalAmount().longValue();
    assertThat(4 * budget).as("max heap, from a memory limit of %d", limit).isBetween(limit * 6 / 10, limit * 8 / 10);
    String host = new io.vertx.core.json.JsonObject(get(http, base + "/info").body()).getString("host");
    assertThat(host).as("the POD_NAME the manifest passes in").isEqualTo(NAME);

    JdkWebSocket ws = JdkWebSocket.connect("ws://127.0.0.1:" + port + "/ws/echo");
    ws.sendText("from a container 😀");
    assertThat(ws.next().text()).isEqualTo("from a container 😀");
    byte[] bytes = new byte[70_000];
    new Random(13).nextBytes(bytes);
    ws.sendBinary(bytes);
    assertThat(Arrays.equals(ws.next().bytes(), bytes)).isTrue();
    ws.close(1000, "done");
    awaitLog(line -> line.contains(" sent: from a container 😀")); // the ConfigMap's config logs JSON lines

    // podman stop during traffic: SIGTERM to the JVM, every client gets 1001, exit code 0.
    List<JdkWebSocket> clients = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      clients.add(JdkWebSocket.connect("ws://127.0.0.1:" + port + "/ws/echo"));
    }
    AtomicBoolean sending = new AtomicBoolean(true);
    AtomicLong echoed = new AtomicLong();
    List<Thread> senders = new ArrayList<>();
    for (JdkWebSocket client : clients) {
      Thread sender = new Thread(() -> {
        try {
          for (int n = 0; sending.get() && n < 100_000; n++) {
            client.sendText("traffic " + n);
            client.next();
            echoed.incrementAndGet();
          }
        } catch (Exception | AssertionError closedUnderUs) {
          // the drain closed the connection while this message was on its way
        }
      });
      sender.start();
      senders.add(sender);
    }
    Thread.sleep(500);
    assertThat(echoed.get()).as("echoes before the stop").isPositive();
    long grace = manifests.pod().getTerminationGracePeriodSeconds();
    run(Duration.ofSeconds(grace + 30), "scripts/podman/run", "stop", "--time", String.valueOf(grace), NAME);
    sending.set(false);
    for (JdkWebSocket client : clients) {
      assertThat(client.closeCode()).as("each client's close code").isEqualTo(1001);
    }
    for (Thread sender : senders) {
      sender.join(10_000);
    }
    assertThat(run(Duration.ofSeconds(30), "scripts/podman/run", "inspect", "--format", "{{.State.ExitCode}}", NAME).trim())
        .as("exit code after SIGTERM").isEqualTo("0");

    long added = addedLayerBytes();
    System.out.printf("container: ready %d ms after podman run (%s); layers on top of the runtime base %.1f MB%n",
        readyAfterMs, startLine.replaceAll(".*(started in \\d+ ms).*", "$1"), added / 1e6);
  }

  @Test
  void refusesABadConfigValueWithOneLineAndExitCode2() throws Exception {
    Process process = new ProcessBuilder(podmanRun(List.of("--rm"), Map.of("HTTP_PORT", "eighty"))).start();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("stdout: %s stderr: %s", stdout, stderr).isEqualTo(2);
    assertThat(stderr.lines().toList()).containsExactly("Invalid configuration: http.port = \"eighty\" (expected an integer from 0 to 65535)");
  }

  /**
   * {@code podman run} as the Deployment runs the container: its user, read-only root with a tmpfs
   * at each emptyDir mount, no capabilities, no privilege escalation, the ConfigMap file at its
   * mount, its environment (POD_NAME from the downward API: the container's name here) and its
   * memory limit; a detached one with the container port published on loopback.
   */
  private static List<String> podmanRun(List<String> options, Map<String, String> extraEnv) {
    var security = container.getSecurityContext();
    var podSecurity = manifests.pod().getSecurityContext();
    List<String> command = new ArrayList<>(List.of("scripts/podman/run", "run"));
    command.addAll(options);
    command.addAll(List.of("--user", podSecurity.getRunAsUser() + ":" + podSecurity.getRunAsGroup()));
    if (Boolean.TRUE.equals(security.getReadOnlyRootFilesystem())) {
      command.add("--read-only");
    }
    if (Boolean.FALSE.equals(security.getAllowPrivilegeEscalation())) {
      command.addAll(List.of("--security-opt", "no-new-privileges"));
    }
    for (String capability : security.getCapabilities().getDrop()) {
      command.addAll(List.of("--cap-drop", capability));
    }
    for (VolumeMount mount : container.getVolumeMounts()) {
      var volume = manifests.pod().getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
      if (volume.getEmptyDir() != null) {
        command.addAll(List.of("--tmpfs", mount.getMountPath()));
      } else if (volume.getConfigMap() != null) {
        command.addAll(List.of("--volume", configFile + ":" + mount.getMountPath() + "/" + configFileName() + ":ro"));
      }
    }
    for (EnvVar env : container.getEnv()) {
      String value = env.getValueFrom() != null ? NAME : env.getValue();
      command.addAll(List.of("--env", env.getName() + "=" + value));
    }
    extraEnv.forEach((name, value) -> command.addAll(List.of("--env", name + "=" + value)));
    command.addAll(List.of("--memory", container.getResources().getLimits().get("memory").toString()));
    if (options.contains("--detach")) {
      int containerPort = container.getPorts().get(0).getContainerPort();
      command.addAll(List.of("--publish", "127.0.0.1:" + port + ":" + containerPort));
    }
    command.add(IMAGE);
    return command;
  }

  private static String configFileName() {
    String path = container.getEnv().stream().filter(e -> e.getName().equals("CONFIG_PATH")).findFirst().orElseThrow().getValue();
    return Path.of(path).getFileName().toString();
  }

  private static void awaitReady(HttpClient http, String url) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        if (get(http, url).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // the port is published before the JVM listens
      }
      Thread.sleep(20);
    }
    throw new AssertionError("not ready within 60 s: " + logs());
  }

  private static String awaitLog(java.util.function.Predicate<String> wanted) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (String line : logs().lines().toList()) {
        if (wanted.test(line)) {
          return line;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no such line in the container's output: " + logs());
  }

  private static String logs() throws Exception {
    return run(Duration.ofSeconds(30), "scripts/podman/run", "logs", NAME);
  }

  /** The bytes of the layers the Dockerfile adds on top of the runtime base. */
  private static long addedLayerBytes() throws Exception {
    return imageBytes(IMAGE) - imageBytes(runtimeImage);
  }

  static long imageBytes(String image) throws Exception {
    return Long.parseLong(run(Duration.ofSeconds(30), "scripts/podman/run", "image", "inspect", "--format", "{{.Size}}", image).trim());
  }

  static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static boolean podmanRuns() {
    try {
      Process info = new ProcessBuilder("scripts/podman/run", "info").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return info.waitFor(60, TimeUnit.SECONDS) && info.exitValue() == 0 && Files.isExecutable(Path.of("/usr/sbin/debootstrap"));
    } catch (IOException | InterruptedException notThere) {
      return false;
    }
  }

  /** Runs a command to its end; its standard output, or an AssertionError with all it printed. */
  static String run(Duration timeout, String... command) throws Exception {
    return run(timeout, List.of(command));
  }

  static String run(Duration timeout, List<String> command) throws Exception {
    Path err = Files.createTempFile("podman", ".err");
    Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + ": not done within " + timeout);
    }
    String errors = Files.readString(err);
    Files.delete(err);
    assertThat(process.exitValue()).as("%s%nstdout: %s%nstderr: %s", String.join(" ", command), out, errors).isZero();
    return out;
  }
}
