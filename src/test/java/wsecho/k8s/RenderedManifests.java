package wsecho.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests as {@code kubectl kustomize k8s/} renders them, read into fabric8's Kubernetes
 * model types with no unknown field allowed: what the manifest tests and the container test read.
 */
public final class RenderedManifests {

  static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "Namespace", Namespace.class, "ConfigMap", ConfigMap.class, "Service", Service.class,
      "Deployment", Deployment.class, "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
      "PodDisruptionBudget", PodDisruptionBudget.class, "Ingress", Ingress.class, "NetworkPolicy", NetworkPolicy.class);

  private final Map<Class<?>, List<HasMetadata>> rendered = new HashMap<>();

  private RenderedManifests() {}

  /** {@code k8s/}: the single-node deployment. */
  public static RenderedManifests render() throws Exception {
    return render("k8s/");
  }

  /** A kustomization directory, such as {@code k8s/overlays/cluster/}. */
  public static RenderedManifests render(String directory) throws Exception {
    RenderedManifests manifests = new RenderedManifests();
    Process kustomize = new ProcessBuilder("kubectl", "kustomize", directory).redirectErrorStream(true).start();
    String yaml = new String(kustomize.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(kustomize.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(kustomize.exitValue()).as("kubectl kustomize " + directory + ": " + yaml).isZero();
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
      manifests.rendered.computeIfAbsent(type, t -> new ArrayList<>()).add(resource);
    }
    return manifests;
  }

  /** The one resource of this kind; fails if there are several. */
  public <T> T the(Class<T> type) {
    List<T> all = all(type);
    assertThat(all).as("one " + type.getSimpleName()).hasSize(1);
    return all.get(0);
  }

  @SuppressWarnings("unchecked")
  public <T> List<T> all(Class<T> type) {
    return (List<T>) rendered.getOrDefault(type, List.of());
  }

  /** The resource of this kind with this name. */
  public <T extends HasMetadata> T named(Class<T> type, String name) {
    return all(type).stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " named " + name));
  }

  Set<Class<?>> kinds() {
    return rendered.keySet();
  }

  public PodSpec pod() {
    return the(Deployment.class).getSpec().getTemplate().getSpec();
  }

  /** The service's container. */
  public Container container() {
    return pod().getContainers().get(0);
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
