package wsecho.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
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
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import wsecho.EchoService;
import wsecho.TestHttp;
import wsecho.TestService;
import wsecho.config.ConfigLoader;
import wsecho.config.EchoConfig;

import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests as {@code kubectl kustomize k8s/} renders them, read into fabric8's Kubernetes
 * model types with no unknown field allowed, and checked against what the service really does.
 */
@ExtendWith(VertxExtension.class)
class KubernetesManifestsTest {

  private static RenderedManifests manifests;

  @BeforeAll
  static void renderAndParse() throws Exception {
    manifests = RenderedManifests.render();
  }

  private static <T> T the(Class<T> type) {
    return manifests.the(type);
  }

  private static Container container() {
    return manifests.container();
  }

  @Test
  void rendersEveryExpectedResource() {
    assertThat(manifests.kinds()).containsExactlyInAnyOrderElementsOf(RenderedManifests.KINDS.values());
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
        .compose(started -> TestHttp.send(http, probe(started.port(), container().getLivenessProbe()))
            .compose(live -> {
              assertThat(live.statusCode()).isEqualTo(200);
              return TestHttp.send(http, probe(started.port(), container().getReadinessProbe()));
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

  private static RequestOptions probe(int port, Probe probe) {
    return new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(probePath(probe));
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
}
