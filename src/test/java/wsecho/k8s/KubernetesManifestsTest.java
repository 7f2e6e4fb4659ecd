package wsecho.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import wsecho.EchoService;
import wsecho.TestService;
import wsecho.config.ConfigLoader;
import wsecho.config.EchoConfig;

import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests as {@code kubectl kustomize k8s/} renders them, read into fabric8's Kubernetes
 * model types with no unknown field allowed, and checked against what the service really does.
 */
@ExtendWith(VertxExtension.class)
class KubernetesManifestsTest {

  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "Namespace", Namespace.class, "ConfigMap", ConfigMap.class, "Service", Service.class,
      "Deployment", Deployment.class, "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
      "PodDisruptionBudget", PodDisruptionBudget.class, "Ingress", Ingress.class, "NetworkPolicy", NetworkPolicy.class);

  private static final Map<Class<?>, HasMetadata> rendered = new HashMap<>();

  @BeforeAll
  static void renderAndParse() throws Exception {
    Process kustomize = new ProcessBuilder("kubectl", "kustomize", "k8s/").redirectErrorStream(true).start();
    String yaml = new String(kustomize.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kustomize.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(kustomize.exitValue()).as("kubectl kustomize k8s/: " + yaml).isZero();
    YAMLMapper mapper = YAMLMapper.builder().build();
    for (String document : yaml.split("(?m)^---$")) {
      if (document.isBlank()) {
        continue;
      }
      JsonNode node = mapper.readTree(document);
      String kind = node.get("kind").asString();
      Class<? extends HasMetadata> type = KINDS.get(kind);
      assertThat(type).as("a kind this test knows: " + kind).isNotNull();
      HasMetadata resource = mapper.treeToValue(node, type);
      assertNoUnknownFields(resource, kind);
      assertThat(rendered.put(type, resource)).as("one " + kind).isNull();
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T the(Class<T> type) {
    return (T) rendered.get(type);
  }

  private static Container container() {
    return the(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  @Test
  void rendersEveryExpectedResource() {
    assertThat(rendered.keySet()).containsExactlyInAnyOrderElementsOf(KINDS.values());
  }

  @Test
  void deploymentRunsANonRootReadOnlyContainer() {
    Deployment deployment = the(Deployment.class);
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    var security = container().getSecurityContext();
    assertThat(security.getRunAsNonRoot()).isTrue();
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container().getImage()).doesNotEndWith(":latest").contains(":");
    assertThat(container().getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(container().getResources().getLimits()).containsKeys("cpu", "memory");
  }

  @Test
  void instancesMatchTheCpuLimit() {
    String instances = env("INSTANCES");
    String cpuLimit = container().getResources().getLimits().get("cpu").toString();
    assertThat(instances).isEqualTo(cpuLimit);
  }

  @Test
  void theHorizontalPodAutoscalerAloneOwnsTheReplicaCount() {
    assertThat(the(Deployment.class).getSpec().getReplicas()).as("spec.replicas would reset the HPA's count on each apply").isNull();
    assertThat(the(HorizontalPodAutoscaler.class).getSpec().getMinReplicas())
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void thePodNameReachesInfoThroughTheDownwardApi() {
    var podName = container().getEnv().stream().filter(e -> e.getName().equals("POD_NAME")).findFirst().orElseThrow();
    assertThat(podName.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
  }

  @Test
  void graceExceedsPreStopPlusTheDrainTimeout() throws IOException {
    var pod = the(Deployment.class).getSpec().getTemplate().getSpec();
    long preStopSeconds = container().getLifecycle().getPreStop().getSleep().getSeconds();
    assertThat(preStopSeconds).isPositive();
    EchoConfig config = configMapConfig();
    assertThat(pod.getTerminationGracePeriodSeconds() * 1000)
        .isGreaterThan(preStopSeconds * 1000 + config.shutdown().timeoutMs());
  }

  @Test
  void configMapIsMountedWhereConfigPathPoints() {
    var pod = the(Deployment.class).getSpec().getTemplate().getSpec();
    String configPath = env("CONFIG_PATH");
    var volume = pod.getVolumes().stream().filter(v -> v.getConfigMap() != null).findFirst().orElseThrow();
    assertThat(volume.getConfigMap().getName()).isEqualTo(the(ConfigMap.class).getMetadata().getName());
    var mount = container().getVolumeMounts().stream().filter(m -> m.getName().equals(volume.getName())).findFirst().orElseThrow();
    String fileName = configPath.substring(configPath.lastIndexOf('/') + 1);
    assertThat(configPath).isEqualTo(mount.getMountPath() + "/" + fileName);
    assertThat(the(ConfigMap.class).getData()).containsKey(fileName);
  }

  @Test
  void configMapConfigPassesTheServiceValidation() throws IOException {
    EchoConfig config = configMapConfig();
    assertThat(config.http().port()).isEqualTo(container().getPorts().get(0).getContainerPort());
  }

  @Test
  void probesAndPortsAreTheOnesTheServiceServes() {
    assertThat(container().getPorts()).singleElement().satisfies(port -> {
      assertThat(port.getName()).isEqualTo("http");
      assertThat(port.getContainerPort()).isEqualTo(8000);
    });
    assertThat(probePath(container().getLivenessProbe())).isEqualTo("/health/live");
    assertThat(probePath(container().getReadinessProbe())).isEqualTo("/health/ready");
    assertThat(container().getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    Service service = the(Service.class);
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
      assertThat(port.getName()).isEqualTo("http");
      assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
    });
    assertThat(service.getSpec().getSelector()).isEqualTo(the(Deployment.class).getSpec().getSelector().getMatchLabels());
  }

  @Test
  void ingressIsForIngressNginxWithWebSocketTimeouts() {
    Ingress ingress = the(Ingress.class);
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(ingress.getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/proxy-read-timeout", "3600")
        .containsEntry("nginx.ingress.kubernetes.io/proxy-send-timeout", "3600");
    var backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
    assertThat(backend.getName()).isEqualTo(the(Service.class).getMetadata().getName());
    assertThat(backend.getPort().getName()).isEqualTo("http");
  }

  @Test
  void autoscalerBudgetAndPolicyTargetTheDeployment() {
    assertThat(the(HorizontalPodAutoscaler.class).getSpec().getScaleTargetRef().getName())
        .isEqualTo(the(Deployment.class).getMetadata().getName());
    assertThat(the(HorizontalPodAutoscaler.class).getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
    var podLabels = the(Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(the(PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels());
    assertThat(podLabels).containsAllEntriesOf(the(NetworkPolicy.class).getSpec().getPodSelector().getMatchLabels());
    assertThat(the(NetworkPolicy.class).getSpec().getPolicyTypes()).contains("Ingress", "Egress");
  }

  @Test
  void theServiceStartedWithTheConfigMapConfigAnswersItsProbes(Vertx vertx, VertxTestContext context) throws IOException {
    EchoConfig config = configMapConfig(Map.of("HTTP_PORT", String.valueOf(TestService.freePort()), "HTTP_HOST", "127.0.0.1"));
    HttpClient http = vertx.createHttpClient();
    EchoService.deploy(vertx, config)
        .compose(started -> http.request(HttpMethod.GET, started.port(), "127.0.0.1", probePath(container().getLivenessProbe()))
            .compose(request -> request.send())
            .compose(live -> {
              assertThat(live.statusCode()).isEqualTo(200);
              return http.request(HttpMethod.GET, started.port(), "127.0.0.1", probePath(container().getReadinessProbe()))
                  .compose(request -> request.send());
            }))
        .onComplete(context.succeeding(ready -> context.verify(() -> {
          assertThat(ready.statusCode()).isEqualTo(200);
          context.completeNow();
        })));
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static String env(String name) {
    return container().getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow().getValue();
  }

  private static String probePath(Probe probe) {
    return probe.getHttpGet().getPath();
  }

  private static EchoConfig configMapConfig() throws IOException {
    return configMapConfig(Map.of());
  }

  private static EchoConfig configMapConfig(Map<String, String> env) {
    String json = the(ConfigMap.class).getData().values().iterator().next();
    return ConfigLoader.fromFileAndEnvironment(new JsonObject(json), env);
  }

  /** Fails on any field the model does not know: fabric8 keeps those in additionalProperties. */
  private static void assertNoUnknownFields(Object root, String kind) throws Exception {
    List<String> unknown = new ArrayList<>();
    walk(root, kind, unknown, new IdentityHashMap<>());
    assertThat(unknown).as("fields the Kubernetes model does not know").isEmpty();
  }

  private static void walk(Object value, String path, List<String> unknown, Map<Object, Boolean> seen) throws Exception {
    if (value == null || seen.put(value, true) != null) {
      return;
    }
    if (value instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        walk(item, path + "[" + i++ + "]", unknown, seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        walk(entry.getValue(), path + "." + entry.getKey(), unknown, seen);
      }
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (PropertyDescriptor property : Introspector.getBeanInfo(value.getClass()).getPropertyDescriptors()) {
      Method getter = property.getReadMethod();
      if (getter == null || getter.getParameterCount() > 0 || property.getName().equals("class")) {
        continue;
      }
      Object child = getter.invoke(value);
      if (property.getName().equals("additionalProperties")) {
        if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ": " + extra.keySet());
        }
        continue;
      }
      walk(child, path + "." + property.getName(), unknown, seen);
    }
  }
}
