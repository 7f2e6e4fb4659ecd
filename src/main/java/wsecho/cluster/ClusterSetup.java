package wsecho.cluster;

import io.vertx.core.VertxOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import wsecho.config.EchoConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;

/**
 * What {@code cluster.enabled} needs before Vert.x starts clustered: the cluster manager, built from
 * the typed configuration, and the event bus's own address and port. Hazelcast is referenced only by
 * {@link HazelcastSetup}, which is loaded after its jars are known to be there: the fat jar does not
 * carry them (they are 16.5 MB), its manifest names them in {@code cluster/} beside it.
 */
public final class ClusterSetup {

  private ClusterSetup() {}

  /**
   * The cluster manager to start Vert.x with. Throws {@link IllegalStateException} with the one
   * line to show when the cluster manager is not there or a member's host does not resolve.
   */
  public static ClusterManager clusterManager(EchoConfig.Cluster cluster) {
    try {
      Class.forName("com.hazelcast.core.Hazelcast", false, ClusterSetup.class.getClassLoader());
      Class.forName("io.vertx.spi.cluster.hazelcast.HazelcastClusterManager", false, ClusterSetup.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError missing) {
      throw new IllegalStateException("Cannot start clustered: cluster.enabled needs cluster/vertx-hazelcast.jar and "
          + "cluster/hazelcast.jar beside the service's jar (mvn package puts them in target/cluster/; the image "
          + "built with --target cluster has them)");
    }
    for (String member : cluster.members()) {
      String host = member.substring(0, member.lastIndexOf(':'));
      try {
        InetAddress.getByName(host);
      } catch (UnknownHostException unknown) {
        throw new IllegalStateException("Cannot start clustered: cluster.members host " + host + " does not resolve");
      }
    }
    // Checked here for one clear line: Hazelcast and Vert.x report a port taken with stack traces.
    checkFree("cluster.port", cluster.host(), cluster.port());
    if (cluster.eventBusPort() != 0) {
      checkFree("cluster.eventBusPort", cluster.host(), cluster.eventBusPort());
    }
    return HazelcastSetup.clusterManager(cluster);
  }

  private static void checkFree(String key, String host, int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true); // as the real listeners do: a port in TIME_WAIT is free
      probe.bind(host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port));
    } catch (IOException taken) {
      throw new IllegalStateException("Cannot start clustered: " + key + " " + port + " on "
          + (host.isEmpty() ? "*" : host) + " is not free: " + taken.getMessage());
    }
  }

  /** The event bus listens on {@code cluster.eventBusPort}, on and advertising {@code cluster.host} when set. */
  public static VertxOptions eventBus(VertxOptions options, EchoConfig.Cluster cluster) {
    options.getEventBusOptions().setPort(cluster.eventBusPort());
    if (!cluster.host().isEmpty()) {
      options.getEventBusOptions().setHost(cluster.host()).setClusterPublicHost(cluster.host());
    }
    return options;
  }
}
