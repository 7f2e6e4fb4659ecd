package wsecho.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import wsecho.config.EchoConfig;

/** The Hazelcast member configuration, from {@code cluster.*} (no XML file is read). */
final class HazelcastSetup {

  static final String CLUSTER_NAME = "ws-echo";

  private HazelcastSetup() {}

  static ClusterManager clusterManager(EchoConfig.Cluster cluster) {
    return new HazelcastClusterManager(config(cluster));
  }

  static Config config(EchoConfig.Cluster cluster) {
    Config config = new Config().setClusterName(CLUSTER_NAME);
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // Hazelcast's own metrics are collected every 5 s and published nowhere here (the service's
    // are Micrometer's): off, for a little less idle CPU and heap.
    config.getMetricsConfig().setEnabled(false);
    // Join at once: the default waits 5 s before joining, for members that start together.
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    // What Vert.x's own default-cluster.xml declares for its subscription and node maps.
    config.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    config.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    config.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));

    // A port taken is a start-up failure, not a silent move to the next port.
    NetworkConfig network = config.getNetworkConfig().setPort(cluster.port()).setPortAutoIncrement(false);
    if (!cluster.host().isEmpty()) {
      config.setProperty("hazelcast.local.localAddress", cluster.host());
      config.setProperty("hazelcast.socket.bind.any", "false");
      network.setPublicAddress(cluster.host() + ":" + cluster.port());
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (!cluster.members().isEmpty()) {
      join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
    } else {
      // DNS lookup of a headless Service: the pods' addresses, no Kubernetes API access (no RBAC).
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", cluster.kubernetesService())
          .setProperty("service-port", String.valueOf(cluster.port()));
    }
    return config;
  }
}
