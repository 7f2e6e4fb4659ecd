package wsecho;

import io.netty.channel.unix.Errors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import sun.misc.Signal;
import wsecho.bench.BenchCommand;
import wsecho.cluster.ClusterSetup;
import wsecho.logging.LogFormat;
import wsecho.ops.EchoMetrics;
import wsecho.ops.VertxMetricsSelection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wsecho.config.ConfigException;
import wsecho.config.ConfigLoader;
import wsecho.config.EchoConfig;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code java -jar ws-echo.jar}: loads the configuration, starts the service, and turns every
 * start-up failure into one line on standard error and a non-zero exit.
 */
public final class Main {

  static final int EXIT_BAD_CONFIG = 2;
  static final int EXIT_START_FAILED = 1;

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("bench")) {
      System.exit(BenchCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length)));
    }
    if (args.length > 0) {
      System.err.println("usage: java -jar ws-echo.jar            (the service; configuration: conf/config.json, environment, -D)");
      System.err.println("       java -jar ws-echo.jar bench ...  (the load generator; bench --help for its options)");
      System.exit(2);
    }
    EchoMetrics metrics = new EchoMetrics();
    VertxMetricsSelection vertxMetrics = new VertxMetricsSelection(new MicrometerMetricsFactory(metrics.registry()));
    Vertx vertx = Vertx.builder().with(vertxOptions(true)).withMetrics(vertxMetrics).build();
    try {
      EchoConfig config = await(ConfigLoader.load(vertx, ConfigLoader.configPath()));
      if (config.log().json()) {
        LogFormat.useJson();
      }
      ClusterManager cluster = null;
      if (config.cluster().enabled() || !config.preferNativeTransport()) {
        // Clustered or on NIO, Vert.x is built from the configuration this one has read: it makes way.
        close(vertx);
        metrics = new EchoMetrics();
        vertxMetrics = new VertxMetricsSelection(new MicrometerMetricsFactory(metrics.registry()));
        if (config.cluster().enabled()) {
          cluster = ClusterSetup.clusterManager(config.cluster());
          vertx = joinCluster(config, cluster, vertxMetrics);
        } else {
          vertx = Vertx.builder().with(vertxOptions(false)).withMetrics(vertxMetrics).build();
        }
      }
      if (config.http().proxyProtocol()) {
        vertxMetrics.leaveOutHttpServerMetrics();
      }
      EchoService.Started started;
      try {
        started = await(EchoService.deploy(vertx, config, metrics, cluster));
      } catch (Exception failure) {
        throw startFailure(config, failure);
      }
      onTermination(() -> shutDown(started));
      String clustered = cluster == null ? "" : String.format(", cluster member %s of %d (roles %s)",
          cluster.getNodeId(), cluster.getNodes().size(), String.join(",", config.roles()));
      if (config.echoRole()) {
        LOG.info("ws-echo listening on {}://{}:{} (page {}, WebSocket {}), engine {}, {} echo instances, transport {}, Vert.x {}{}, started in {} ms",
            config.http().tls().enabled() ? "https" : "http", config.http().host(), started.port(),
            MainVerticle.PAGE_PATH, config.websocket().path(), config.websocket().engine(), started.instances(),
            transport(vertx, config), vertxVersion(), clustered, ManagementFactory.getRuntimeMXBean().getUptime());
      } else {
        LOG.info("ws-echo logger: health and metrics on {}://{}:{}, Vert.x {}{}, started in {} ms",
            config.http().tls().enabled() ? "https" : "http", config.http().host(), started.port(), vertxVersion(),
            clustered, ManagementFactory.getRuntimeMXBean().getUptime());
      }
    } catch (Exception failure) {
      // One line, no stack trace: these are the user's to fix.
      System.err.println(failure.getMessage());
      close(vertx);
      LogFormat.flush();
      System.exit(failure instanceof ConfigException ? EXIT_BAD_CONFIG : EXIT_START_FAILED);
    }
  }

  /** Native: Netty's epoll transport where the platform has it (Vert.x falls back to NIO otherwise). */
  private static VertxOptions vertxOptions(boolean nativeTransport) {
    return new VertxOptions().setPreferNativeTransport(nativeTransport)
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true));
  }

  /** The transport in use, for the start line; with why the native one is not, when it was wanted. */
  static String transport(Vertx vertx, EchoConfig config) {
    if (vertx.isNativeTransportEnabled()) {
      return "native (epoll)";
    }
    Throwable why = vertx.unavailableNativeTransportCause();
    return config.preferNativeTransport() && why != null ? "nio (native unavailable: " + why.getMessage() + ")" : "nio";
  }

  /** Starts Vert.x clustered: the Hazelcast member joins (or forms) the cluster, the event bus listens. */
  private static Vertx joinCluster(EchoConfig echoConfig, ClusterManager cluster, VertxMetricsSelection metrics) throws Exception {
    EchoConfig.Cluster config = echoConfig.cluster();
    String where = (config.host().isEmpty() ? "*" : config.host()) + ":" + config.port() + " (event bus port " + config.eventBusPort() + ")";
    try {
      return await(Vertx.builder().with(ClusterSetup.eventBus(vertxOptions(echoConfig.preferNativeTransport()), config))
          .withMetrics(metrics).withClusterManager(cluster).buildClustered());
    } catch (Exception failure) {
      Throwable cause = failure;
      while (cause.getCause() != null && cause.getCause() != cause) {
        cause = cause.getCause();
      }
      throw new IllegalStateException("Cannot join the cluster on " + where + ": " + cause);
    }
  }

  /** SIGTERM (Kubernetes, docker stop) and SIGINT (Ctrl-C) drain the service, then exit 0. */
  private static void onTermination(Runnable shutdown) {
    AtomicBoolean once = new AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        if (once.compareAndSet(false, true)) {
          new Thread(shutdown, "ws-echo-shutdown").start();
        }
      });
    }
  }

  private static void shutDown(EchoService.Started started) {
    LOG.info("shutting down: readiness is now 503, new WebSocket handshakes get 503");
    try {
      await(started.drain());
    } catch (Exception e) {
      LOG.warn("drain failed: {}", e.toString());
    }
    close(started.vertx()); // clustered, this also leaves the cluster: the others drop this node at once
    LOG.info(started.shared().cluster() == null ? "stopped" : "stopped, left the cluster");
    LogFormat.flush();
    System.exit(0);
  }

  /** Waits on the main thread, which is not an event loop, for a start-up step. */
  private static <T> T await(Future<T> step) throws Exception {
    try {
      return step.toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static Exception startFailure(EchoConfig config, Throwable failure) {
    String where = config.http().host() + ":" + config.http().port();
    if (failure instanceof BindException) {
      return new IllegalStateException("Cannot listen on " + where + ": " + failure.getMessage());
    }
    // The epoll transport's bind error: "bind(..) failed with error(-98): Address already in use".
    if (failure instanceof Errors.NativeIoException bind && String.valueOf(bind.getMessage()).startsWith("bind(")) {
      String message = bind.getMessage();
      int reason = message.indexOf("): "); // the system's words after the errno, when Netty gives them
      return new IllegalStateException("Cannot listen on " + where + ": " + (reason < 0 ? message : message.substring(reason + 3)));
    }
    return new IllegalStateException("Cannot start ws-echo on " + where + ": " + failure);
  }

  private static void close(Vertx vertx) {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // exiting anyway
    }
  }

  static String vertxVersion() {
    try (InputStream in = Vertx.class.getClassLoader().getResourceAsStream("META-INF/vertx/vertx-version.txt")) {
      return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
