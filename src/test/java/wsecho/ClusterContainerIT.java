package wsecho;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import wsecho.k8s.RenderedManifests;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ContainerImageIT.get;
import static wsecho.ContainerImageIT.run;

/**
 * The Dockerfile's {@code cluster} target, run as {@code k8s/overlays/cluster/} runs it: an echo pod
 * and the logger pod, each with its Deployment's user, read-only root, capabilities, environment,
 * config file and memory limit. Here they share the host's network and find each other through
 * {@code CLUSTER_MEMBERS} (there is no cluster DNS to look the headless Service up in).
 */
class ClusterContainerIT {

  private static final String IMAGE = "localhost/ws-echo:it-cluster";
  private static final String PREFIX = "ws-echo-cluster-it-" + ProcessHandle.current().pid() + "-";

  private static RenderedManifests overlay;
  private static Path configDir;
  private static String runtimeImage;
  private static final List<String> started = new ArrayList<>();

  /** One pod's ports on the host's network. */
  private record Ports(int http, int member, int eventBus) {}

  @BeforeAll
  static void buildImage() throws Exception {
    Assumptions.assumeTrue(ContainerImageIT.podmanRuns(), "ClusterContainerIT skipped: podman cannot run containers here");
    List<String> bases = run(Duration.ofMinutes(10), "scripts/podman/bases").lines().toList();
    runtimeImage = bases.get(1);
    run(Duration.ofMinutes(10), "scripts/podman/run", "build", "--quiet", "--target", "cluster",
        "--build-arg", "JDK_IMAGE=" + bases.get(0), "--build-arg", "RUNTIME_IMAGE=" + runtimeImage, "-t", IMAGE, ".");
    overlay = RenderedManifests.render("k8s/overlays/cluster/");
    configDir = Files.createDirectories(Path.of("target", "cluster-container-it").toAbsolutePath());
  }

  @AfterAll
  static void removeContainers() throws Exception {
    for (String name : started) {
      new ProcessBuilder("scripts/podman/run", "rm", "--force", "--time", "0", name).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(60, TimeUnit.SECONDS);
    }
  }

  @Test
  void theClusterImageRunsTheOverlaysLoggerAndEchoPodsAndTheLinesCrossBetweenThem() throws Exception {
    int[] free = TestService.freePorts(6); // all different: the pods share the host's network
    Ports loggerPorts = new Ports(free[0], free[1], free[2]);
    Ports echoPorts = new Ports(free[3], free[4], free[5]);
    String members = "127.0.0.1:" + loggerPorts.member() + ",127.0.0.1:" + echoPorts.member();
    long runAt = System.nanoTime();
    String logger = runPod(overlay.named(Deployment.class, "ws-echo-logger"), "logger", loggerPorts, members);
    String echo = runPod(overlay.named(Deployment.class, "ws-echo"), "echo", echoPorts, members);
    HttpClient http = HttpClient.newHttpClient();
    awaitMembers(http, loggerPorts, 2, logger);
    awaitMembers(http, echoPorts, 2, echo);
    long readyMs = (System.nanoTime() - runAt) / 1_000_000;

    JdkWebSocket ws = JdkWebSocket.connect("ws://127.0.0.1:" + echoPorts.http() + "/ws/echo");
    String text = "through the cluster image " + UUID.randomUUID();
    String line = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (line == null && System.nanoTime() < deadline) {
      ws.sendText(text);
      assertThat(ws.next().text()).isEqualTo(text);
      Thread.sleep(500);
      line = messages(logger).stream().filter(l -> l.endsWith(" sent: " + text)).findFirst().orElse(null);
    }
    assertThat(line).as("the logger pod printed the echo pod's line; logger output: %s", logs(logger)).isNotNull();
    assertThat(line).startsWith("127.0.0.1:");
    assertThat(messages(echo)).noneMatch(l -> l.contains(" sent: "));

    String memory = run(Duration.ofSeconds(30), "scripts/podman/run", "stats", "--no-stream", "--format",
        "{{.Name}} {{.MemUsage}}", logger, echo);
    System.out.printf("cluster image: both pods ready with 2 members %d ms after the first podman run; layers %.1f MB; memory:%n%s",
        readyMs, (ContainerImageIT.imageBytes(IMAGE) - ContainerImageIT.imageBytes(runtimeImage)) / 1e6, memory);

    // podman stop: the echo pod drains and leaves the cluster; the logger sees one member.
    run(Duration.ofSeconds(60), "scripts/podman/run", "stop", "--time", "30", echo);
    assertThat(run(Duration.ofSeconds(30), "scripts/podman/run", "inspect", "--format", "{{.State.ExitCode}}", echo).trim())
        .isEqualTo("0");
    assertThat(messages(echo)).contains("stopped, left the cluster");
    awaitMembers(http, loggerPorts, 1, logger);
  }

  /** {@code podman run} as the Deployment runs its pod, on the host's network with the given ports. */
  private static String runPod(Deployment deployment, String role, Ports ports, String members) throws Exception {
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container container = pod.getContainers().get(0);
    String name = PREFIX + role;
    List<String> command = new ArrayList<>(List.of("scripts/podman/run", "run", "--detach", "--name", name, "--network", "host",
        "--user", pod.getSecurityContext().getRunAsUser() + ":" + pod.getSecurityContext().getRunAsGroup()));
    if (Boolean.TRUE.equals(container.getSecurityContext().getReadOnlyRootFilesystem())) {
      command.add("--read-only");
    }
    if (Boolean.FALSE.equals(container.getSecurityContext().getAllowPrivilegeEscalation())) {
      command.addAll(List.of("--security-opt", "no-new-privileges"));
    }
    for (String capability : container.getSecurityContext().getCapabilities().getDrop()) {
      command.addAll(List.of("--cap-drop", capability));
    }
    for (VolumeMount mount : container.getVolumeMounts()) {
      var volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
      if (volume.getEmptyDir() != null) {
        command.addAll(List.of("--tmpfs", mount.getMountPath()));
      } else if (volume.getConfigMap() != null) {
        Map<String, String> data = overlay.named(ConfigMap.class, volume.getConfigMap().getName()).getData();
        for (Map.Entry<String, String> file : data.entrySet()) {
          Path local = Files.writeString(configDir.resolve(file.getKey()), file.getValue());
          command.addAll(List.of("--volume", local + ":" + mount.getMountPath() + "/" + file.getKey() + ":ro"));
        }
      }
    }
    for (EnvVar env : container.getEnv()) {
      if (env.getName().equals("CLUSTER_KUBERNETES_SERVICE")) {
        continue; // no cluster DNS here: the members are named instead
      }
      String value = env.getValueFrom() == null ? env.getValue()
          : env.getValueFrom().getFieldRef().getFieldPath().equals("status.podIP") ? "127.0.0.1" : name;
      command.addAll(List.of("--env", env.getName() + "=" + value));
    }
    command.addAll(List.of("--env", "CLUSTER_MEMBERS=" + members, "--env", "HTTP_PORT=" + ports.http(),
        "--env", "CLUSTER_PORT=" + ports.member(), "--env", "CLUSTER_EVENT_BUS_PORT=" + ports.eventBus()));
    command.addAll(List.of("--memory", container.getResources().getLimits().get("memory").toString()));
    command.add(IMAGE);
    started.add(name);
    run(Duration.ofMinutes(1), command);
    return name;
  }

  private static void awaitMembers(HttpClient http, Ports ports, int members, String name) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> ready = get(http, "http://127.0.0.1:" + ports.http() + "/health/ready");
        last = ready.body();
        if (ready.statusCode() == 200) {
          for (Object check : new JsonObject(last).getJsonArray("checks")) {
            JsonObject c = (JsonObject) check;
            if ("cluster-member".equals(c.getString("id")) && c.getJsonObject("data").getInteger("members") == members) {
              return;
            }
          }
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    StringBuilder outputs = new StringBuilder();
    for (String container : started) {
      outputs.append("\n--- ").append(container).append(":\n").append(logs(container));
    }
    throw new AssertionError(name + " never reported " + members + " members (last: " + last + ")" + outputs);
  }

  /** The container's log lines as text: the ConfigMap's config logs JSON, one object per line. */
  private static List<String> messages(String name) throws Exception {
    return logs(name).lines().map(line -> line.startsWith("{") ? new JsonObject(line).getString("formattedMessage") : line).toList();
  }

  private static String logs(String name) throws Exception {
    return run(Duration.ofSeconds(30), "scripts/podman/run", "logs", name);
  }
}
