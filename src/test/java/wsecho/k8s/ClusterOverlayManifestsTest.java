package wsecho.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import wsecho.config.ConfigLoader;
import wsecho.config.EchoConfig;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code k8s/overlays/cluster/} as {@code kubectl kustomize} renders it, strictly parsed, and checked
 * against what cluster mode needs: each pod's configuration valid with its role, a headless Service
 * that finds every member on the ports the service listens on, and those ports open between the
 * cluster's own pods only.
 */
class ClusterOverlayManifestsTest {

  private static RenderedManifests overlay;
  private static RenderedManifests base;

  @BeforeAll
  static void render() throws Exception {
    overlay = RenderedManifests.render("k8s/overlays/cluster/");
    base = RenderedManifests.render();
  }

  private static Deployment echo() {
    return overlay.named(Deployment.class, "ws-echo");
  }

  private static Deployment logger() {
    return overlay.named(Deployment.class, "ws-echo-logger");
  }

  private static Service headless() {
    return overlay.named(Service.class, "ws-echo-cluster");
  }

  private static Container container(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static Map<String, String> podLabels(Deployment deployment) {
    return deployment.getSpec().getTemplate().getMetadata().getLabels();
  }

  /** The configuration a pod of this Deployment starts with: its ConfigMap file, its environment (pod IP as 10.0.0.1). */
  private static EchoConfig podConfig(Deployment deployment) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar var : container(deployment).getEnv()) {
      env.put(var.getName(), var.getValueFrom() != null ? "10.0.0.1" : var.getValue());
    }
    String configMapName = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getConfigMap() != null).findFirst().orElseThrow().getConfigMap().getName();
    String json = overlay.named(ConfigMap.class, configMapName).getData().values().iterator().next();
    return ConfigLoader.fromFileAndEnvironment(new JsonObject(json), env);
  }

  @Test
  void theOverlayAddsALoggerDeploymentAHeadlessServiceAndAPolicyToTheBase() {
    assertThat(overlay.all(Deployment.class)).extracting(d -> d.getMetadata().getName())
        .containsExactlyInAnyOrder("ws-echo", "ws-echo-logger");
    assertThat(overlay.all(Service.class)).extracting(s -> s.getMetadata().getName())
        .containsExactlyInAnyOrder("ws-echo", "ws-echo-cluster");
    assertThat(overlay.all(NetworkPolicy.class)).extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("ws-echo", "ws-echo-cluster");
  }

  @Test
  void theBaseStaysSingleNode() {
    Container single = base.container();
    assertThat(single.getEnv()).extracting(EnvVar::getName).noneMatch(name -> name.startsWith("CLUSTER_") || name.equals("ROLES"));
    assertThat(single.getImage()).isEqualTo("ws-echo:1.0.0");
    assertThat(base.all(Deployment.class)).hasSize(1);
  }

  @Test
  void echoPodsAreEchoOnlyAndTheLoggerIsOneSmallLoggerOnlyPod() {
    EchoConfig echoConfig = podConfig(echo());
    assertThat(echoConfig.roles()).containsExactly("echo");
    assertThat(echoConfig.cluster().enabled()).isTrue();
    assertThat(echoConfig.cluster().host()).isEqualTo("10.0.0.1");
    EchoConfig loggerConfig = podConfig(logger());
    assertThat(loggerConfig.roles()).containsExactly("logger");
    assertThat(loggerConfig.cluster()).isEqualTo(echoConfig.cluster());
    assertThat(logger().getSpec().getReplicas()).isEqualTo(1);
    assertThat(logger().getSpec().getStrategy().getType()).as("never two loggers printing the same lines").isEqualTo("Recreate");
    var requests = container(logger()).getResources().getRequests();
    assertThat(requests.get("cpu").getNumericalAmount()).isLessThanOrEqualTo(new java.math.BigDecimal("0.1"));
    assertThat(requests.get("memory").getNumericalAmount()).isLessThanOrEqualTo(new java.math.BigDecimal(256L << 20));
    for (Deployment deployment : List.of(echo(), logger())) {
      EnvVar host = container(deployment).getEnv().stream().filter(v -> v.getName().equals("CLUSTER_HOST")).findFirst().orElseThrow();
      assertThat(host.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
      assertThat(container(deployment).getImage()).as("the image with the cluster jars").isEqualTo("ws-echo:1.0.0-cluster");
      assertThat(container(deployment).getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
      assertThat(container(deployment).getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser()).isEqualTo(10001L);
    }
  }

  @Test
  void theHeadlessServiceFindsEveryMemberOnThePortsTheServiceListensOn() {
    Service service = headless();
    assertThat(service.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(service.getSpec().getPublishNotReadyAddresses()).as("members find each other while starting").isTrue();
    EchoConfig.Cluster cluster = podConfig(echo()).cluster();
    assertThat(cluster.kubernetesService()).isEqualTo(service.getMetadata().getName());
    Map<String, Integer> ports = service.getSpec().getPorts().stream()
        .collect(Collectors.toMap(p -> p.getTargetPort().getStrVal(), p -> p.getPort()));
    assertThat(ports).containsExactlyInAnyOrderEntriesOf(Map.of("cluster", cluster.port(), "event-bus", cluster.eventBusPort()));
    for (Deployment deployment : List.of(echo(), logger())) {
      assertThat(podLabels(deployment)).as(deployment.getMetadata().getName() + " is found")
          .containsAllEntriesOf(service.getSpec().getSelector());
      Map<String, Integer> containerPorts = container(deployment).getPorts().stream()
          .collect(Collectors.toMap(p -> p.getName(), p -> p.getContainerPort()));
      assertThat(containerPorts).containsEntry("cluster", cluster.port()).containsEntry("event-bus", cluster.eventBusPort())
          .containsEntry("http", 8000);
    }
    assertThat(podLabels(echo())).as("the echo Service does not send clients to the logger")
        .containsAllEntriesOf(overlay.named(Service.class, "ws-echo").getSpec().getSelector());
    assertThat(podLabels(logger())).doesNotContainEntry("app.kubernetes.io/component", "server");
  }

  @Test
  void theClusterPortsAreOpenBetweenTheClusterPodsOnly() {
    NetworkPolicy policy = overlay.named(NetworkPolicy.class, "ws-echo-cluster");
    EchoConfig.Cluster cluster = podConfig(echo()).cluster();
    Map<String, String> selector = policy.getSpec().getPodSelector().getMatchLabels();
    assertThat(podLabels(echo())).containsAllEntriesOf(selector);
    assertThat(podLabels(logger())).containsAllEntriesOf(selector);
    assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");

    var clusterIngress = policy.getSpec().getIngress().stream()
        .filter(rule -> names(rule.getPorts()).contains("cluster")).findFirst().orElseThrow();
    assertThat(names(clusterIngress.getPorts())).containsExactlyInAnyOrder("cluster", "event-bus");
    assertThat(clusterIngress.getFrom()).singleElement().satisfies(peer -> assertOnlyTheClusterPods(peer, selector));

    var clusterEgress = policy.getSpec().getEgress().stream()
        .filter(rule -> rule.getTo().stream().anyMatch(peer -> peer.getNamespaceSelector() == null)).findFirst().orElseThrow();
    assertThat(numbers(clusterEgress.getPorts())).containsExactlyInAnyOrder(cluster.port(), cluster.eventBusPort());
    assertThat(clusterEgress.getTo()).singleElement().satisfies(peer -> assertOnlyTheClusterPods(peer, selector));

    var dns = policy.getSpec().getEgress().stream().filter(rule -> numbers(rule.getPorts()).contains(53)).findFirst().orElseThrow();
    assertThat(dns.getPorts()).extracting(NetworkPolicyPort::getProtocol).containsExactlyInAnyOrder("UDP", "TCP");
    assertThat(dns.getTo()).singleElement().satisfies(peer ->
        assertThat(peer.getPodSelector().getMatchLabels()).containsEntry("k8s-app", "kube-dns"));
  }

  private static void assertOnlyTheClusterPods(NetworkPolicyPeer peer, Map<String, String> clusterPods) {
    assertThat(peer.getNamespaceSelector()).as("this namespace only").isNull();
    assertThat(peer.getIpBlock()).isNull();
    assertThat(peer.getPodSelector().getMatchLabels()).isEqualTo(clusterPods);
  }

  private static Set<String> names(List<NetworkPolicyPort> ports) {
    return ports.stream().map(NetworkPolicyPort::getPort).filter(p -> p.getStrVal() != null).map(IntOrString::getStrVal)
        .collect(Collectors.toSet());
  }

  private static Set<Integer> numbers(List<NetworkPolicyPort> ports) {
    return ports.stream().map(NetworkPolicyPort::getPort).filter(p -> p.getIntVal() != null).map(IntOrString::getIntVal)
        .collect(Collectors.toSet());
  }
}
