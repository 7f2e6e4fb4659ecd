package wsecho.ops;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;

/** {@code /health/live}, {@code /health/ready} and {@code /metrics}: served by every node, whatever its roles. */
public final class OpsRoutes {

  private OpsRoutes() {}

  /**
   * @param cluster the cluster manager when clustered, else null: readiness then also reports this
   *                node's membership (it fails only when this node's own member has stopped; other
   *                nodes coming and going never take an echo node out of service)
   */
  public static void mount(Router router, Vertx vertx, ServiceState state, EchoMetrics metrics, ClusterManager cluster) {
    // The process is serving: this instance's event loop answered.
    router.get("/health/live").handler(HealthCheckHandler.create(vertx)
        .register("event-loop", promise -> promise.complete(Status.OK())));
    HealthCheckHandler ready = HealthCheckHandler.create(vertx).register("deployed-and-not-draining", promise ->
        promise.complete(state.isReady() ? Status.OK() : Status.KO(new JsonObject().put("draining", state.isDraining()))));
    if (cluster != null) {
      ready.register("cluster-member", promise -> {
        boolean active = cluster.isActive();
        JsonObject membership = new JsonObject().put("nodeId", cluster.getNodeId())
            .put("members", active ? cluster.getNodes().size() : 0);
        promise.complete(active ? Status.OK(membership) : Status.KO(membership));
      });
    }
    router.get("/health/ready").handler(ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(metrics.registry()));
  }
}
