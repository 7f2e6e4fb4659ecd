package wsecho.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import wsecho.http.ClientAddress;

/**
 * Builds the one {@link EchoConfig} from vertx-config: the JSON file, the environment and the
 * system properties are read as separate layers so that precedence is explicit and unknown keys in
 * the file can be refused.
 */
public final class ConfigLoader {

  public static final String DEFAULT_FILE = "conf/config.json";
  static final int MIB = 1024 * 1024;

  private ConfigLoader() {}

  /** The config file: {@code -Dconfig.path}, else env {@code CONFIG_PATH}, else the default. */
  public static String configPath() {
    String fromSys = System.getProperty("config.path");
    if (fromSys != null && !fromSys.isBlank()) {
      return fromSys;
    }
    String fromEnv = System.getenv("CONFIG_PATH");
    return fromEnv != null && !fromEnv.isBlank() ? fromEnv : null;
  }

  /**
   * Loads and validates the configuration. A failed future carries a {@link ConfigException}
   * whose message is the single line to show.
   *
   * @param namedPath a file the user named (must exist), or null for the optional default file
   */
  public static Future<EchoConfig> load(Vertx vertx, String namedPath) {
    String path = namedPath != null ? namedPath : DEFAULT_FILE;
    boolean present = Files.isRegularFile(Path.of(path));
    if (namedPath != null && !present) {
      return Future.failedFuture(new ConfigException(
          "Invalid configuration: config file " + namedPath + " does not exist"));
    }
    Future<JsonObject> file = present
        ? read(vertx, new ConfigStoreOptions().setType("file").setFormat("json")
            .setConfig(new JsonObject().put("path", path)))
            .recover(failure -> Future.failedFuture(new ConfigException(
                "Invalid configuration: " + path + " is not valid JSON: " + firstLine(failure))))
        : Future.succeededFuture(new JsonObject());
    Future<JsonObject> env = read(vertx, new ConfigStoreOptions().setType("env")
        .setConfig(new JsonObject().put("raw-data", true)));
    Future<JsonObject> sys = read(vertx, new ConfigStoreOptions().setType("sys")
        .setConfig(new JsonObject().put("raw-data", true).put("cache", false)));
    return Future.all(file, env, sys)
        .map(all -> fromLayers(file.result(), env.result().getMap(), sys.result().getMap(), path));
  }

  /** Builds and validates a config from one JSON object alone (no environment, no properties). */
  public static EchoConfig fromJson(JsonObject json) {
    return fromLayers(json, Map.of(), Map.of(), "inline config");
  }

  /** Validates a config file with environment variables over it, as the service would read them. */
  public static EchoConfig fromFileAndEnvironment(JsonObject file, Map<String, String> env) {
    return fromLayers(file, env, Map.of(), "config file");
  }

  /** Builds and validates the config from the three layers; throws {@link ConfigException}. */
  static EchoConfig fromLayers(JsonObject file, Map<String, ?> env, Map<String, ?> sys,
                               String fileName) {
    return build(new ConfigLayers(file, env, sys), fileName);
  }

  private static EchoConfig build(ConfigLayers in, String fileName) {
    EchoConfig.Http http = new EchoConfig.Http(
        in.string("http.host", "0.0.0.0"),
        in.integer("http.port", 8000, 0, 65535),
        in.integer("http.handshakeTimeoutMs", 10_000, 1, 3_600_000),
        in.integer("http.maxHeaderSize", 8192, 1024, 1024 * 1024),
        tls(in),
        trustedProxies(in),
        in.string("http.forwardedHeader", ClientAddress.X_FORWARDED_FOR).toLowerCase(java.util.Locale.ROOT),
        in.integer("http.maxBodySize", MIB, 0, 64 * MIB),
        in.bool("http.proxyProtocol", false));
    if (!http.forwardedHeader().equals(ClientAddress.X_FORWARDED_FOR) && !http.forwardedHeader().equals(ClientAddress.FORWARDED)) {
      throw ConfigException.badValue("http.forwardedHeader", in.string("http.forwardedHeader", ""), "x-forwarded-for or forwarded");
    }
    int instances = in.integer("instances", 0, 0, 1024);
    String transport = in.string("transport", EchoConfig.TRANSPORT_NATIVE);
    if (!transport.equals(EchoConfig.TRANSPORT_NATIVE) && !transport.equals(EchoConfig.TRANSPORT_NIO)) {
      throw ConfigException.badValue("transport", transport, "native or nio");
    }
    String wsPath = in.string("websocket.path", "/ws/echo");
    if (!wsPath.matches("/[A-Za-z0-9._~/-]*") || wsPath.equals("/ws/echo_display")) {
      throw ConfigException.badValue("websocket.path", wsPath, "a URL path starting with / other than /ws/echo_display");
    }
    String engine = in.string("websocket.engine", EchoConfig.WebSocket.STRICT);
    if (!engine.equals(EchoConfig.WebSocket.STRICT) && !engine.equals(EchoConfig.WebSocket.VERTX)) {
      throw ConfigException.badValue("websocket.engine", engine, "strict or vertx");
    }
    String lingeringClose = in.string("websocket.lingeringClose", EchoConfig.WebSocket.LINGER_AUTO);
    if (!lingeringClose.equals(EchoConfig.WebSocket.LINGER_AUTO) && !lingeringClose.equals(EchoConfig.WebSocket.LINGER_ALWAYS)) {
      throw ConfigException.badValue("websocket.lingeringClose", lingeringClose, "auto or always");
    }
    EchoConfig.WebSocket websocket = new EchoConfig.WebSocket(
        engine,
        wsPath,
        in.integer("websocket.maxFrameSize", MIB, 125, 64 * MIB),
        in.integer("websocket.maxMessageSize", MIB, 125, 64 * MIB),
        in.bool("websocket.compression", true),
        in.list("websocket.allowedOrigins", List.of()),
        in.list("websocket.subprotocols", List.of()),
        in.integer("websocket.maxConnections", 0, 0, 10_000_000),
        in.integer("websocket.pingIntervalMs", 30_000, 0, 3_600_000),
        in.integer("websocket.idleTimeoutMs", 75_000, 0, 86_400_000),
        in.integer("websocket.closeTimeoutMs", 5_000, 1, 600_000),
        lingeringClose,
        in.integer("websocket.maxMessagesPerSecond", 0, 0, 100_000_000),
        in.integer("websocket.frameTimeoutMs", 30_000, 0, 86_400_000),
        in.bytesOrHeapShare("websocket.maxBufferedBytes", "25%", MIB));
    String address = in.string("eventBus.address", "ws.echo.messages");
    if (address.isBlank()) {
      throw ConfigException.badValue("eventBus.address", address, "a non-empty address");
    }
    EchoConfig.Log log = new EchoConfig.Log(
        in.bool("log.messages", true),
        in.integer("log.maxChars", 256, 0, MIB),
        in.integer("log.queueCapacity", 10_000, 1, 10_000_000),
        in.integer("log.maxLinesPerSecond", 1_000, 0, 100_000_000),
        in.string("log.format", "text"),
        in.integer("log.maxConnectionsPerSecond", 100, 0, 100_000_000));
    if (!log.format().equals("text") && !log.json()) {
      throw ConfigException.badValue("log.format", log.format(), "text or json");
    }
    EchoConfig.Shutdown shutdown = new EchoConfig.Shutdown(in.integer("shutdown.timeoutMs", 10_000, 0, 3_600_000));
    EchoConfig.Info info = new EchoConfig.Info(in.bool("info.enabled", true));
    EchoConfig.Cluster cluster = cluster(in);
    List<String> roles = roles(in, cluster);
    in.refuseUnknownFileKeys(fileName);
    return new EchoConfig(http, instances, transport, websocket, new EchoConfig.EventBus(address), log, shutdown, info, cluster, roles);
  }

  private static EchoConfig.Cluster cluster(ConfigLayers in) {
    EchoConfig.Cluster cluster = new EchoConfig.Cluster(
        in.bool("cluster.enabled", false),
        in.string("cluster.host", "").trim(),
        in.integer("cluster.port", 5701, 1, 65535),
        in.list("cluster.members", List.of()),
        in.string("cluster.kubernetesService", "").trim(),
        in.integer("cluster.eventBusPort", 5702, 0, 65535));
    for (String member : cluster.members()) {
      if (!member.matches("[A-Za-z0-9.\\-]+:\\d{1,5}") || Integer.parseInt(member.substring(member.lastIndexOf(':') + 1)) > 65535) {
        throw ConfigException.badValue("cluster.members", member, "host:port entries such as 10.0.0.5:5701");
      }
    }
    if (!cluster.host().isEmpty() && !cluster.host().matches("[A-Za-z0-9.\\-]+")) {
      throw ConfigException.badValue("cluster.host", cluster.host(), "an IPv4 address or host name, or empty");
    }
    if (!cluster.kubernetesService().isEmpty() && !cluster.kubernetesService().matches("[a-z0-9]([a-z0-9.\\-]*[a-z0-9])?")) {
      throw ConfigException.badValue("cluster.kubernetesService", cluster.kubernetesService(), "a Service's DNS name");
    }
    if (cluster.enabled()) {
      if (cluster.members().isEmpty() == cluster.kubernetesService().isEmpty()) {
        throw ConfigException.badValue("cluster.members", String.join(",", cluster.members()),
            "one discovery: cluster.members or cluster.kubernetesService (multicast is never used)");
      }
      if (cluster.eventBusPort() == cluster.port()) {
        throw ConfigException.badValue("cluster.eventBusPort", cluster.eventBusPort(), "a port other than cluster.port");
      }
    }
    return cluster;
  }

  private static List<String> roles(ConfigLayers in, EchoConfig.Cluster cluster) {
    List<String> roles = in.list("roles", List.of(EchoConfig.ROLE_ECHO, EchoConfig.ROLE_LOGGER));
    String shown = String.join(",", roles);
    if (roles.isEmpty() || roles.stream().anyMatch(role -> !role.equals(EchoConfig.ROLE_ECHO) && !role.equals(EchoConfig.ROLE_LOGGER))) {
      throw ConfigException.badValue("roles", shown, "echo, logger, or both");
    }
    boolean both = roles.contains(EchoConfig.ROLE_ECHO) && roles.contains(EchoConfig.ROLE_LOGGER);
    if (!both && !cluster.enabled()) {
      // Alone, an echo-only node's lines would go nowhere and a logger-only node would get none.
      throw ConfigException.badValue("roles", shown, "echo,logger unless cluster.enabled is true");
    }
    return List.copyOf(new java.util.LinkedHashSet<>(roles));
  }

  private static List<String> trustedProxies(ConfigLayers in) {
    List<String> proxies = in.list("http.trustedProxies", List.of());
    try {
      ClientAddress.trusting(proxies, ClientAddress.X_FORWARDED_FOR);
    } catch (IllegalArgumentException bad) {
      throw ConfigException.badValue("http.trustedProxies", bad.getMessage(), "addresses or CIDRs such as 10.0.0.0/8");
    }
    return proxies;
  }

  private static EchoConfig.Tls tls(ConfigLayers in) {
    String cert = in.string("http.tls.certPath", "");
    String key = in.string("http.tls.keyPath", "");
    if (cert.isEmpty() != key.isEmpty()) {
      String missing = cert.isEmpty() ? "http.tls.certPath" : "http.tls.keyPath";
      throw ConfigException.badValue(missing, "", "a PEM file: TLS needs both http.tls.certPath and http.tls.keyPath");
    }
    for (String[] file : new String[][] {{"http.tls.certPath", cert}, {"http.tls.keyPath", key}}) {
      if (!file[1].isEmpty() && !readable(file[1])) {
        throw ConfigException.badValue(file[0], file[1], "a readable PEM file");
      }
    }
    return new EchoConfig.Tls(cert, key);
  }

  /** False also for what is no path at all (a NUL character, found by fuzzing). */
  private static boolean readable(String path) {
    try {
      return Files.isReadable(Path.of(path));
    } catch (java.nio.file.InvalidPathException notAPath) {
      return false;
    }
  }

  /** Every key the service reads, in the order it reads them (and the README lists them). */
  public static List<String> keys() {
    ConfigLayers defaults = new ConfigLayers(new JsonObject(), Map.of(), Map.of());
    build(defaults, "defaults");
    return defaults.knownKeys();
  }

  public static String envName(String key) {
    return ConfigLayers.envName(key);
  }

  private static Future<JsonObject> read(Vertx vertx, ConfigStoreOptions store) {
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().setScanPeriod(0).setStores(List.of(store)));
    return retriever.getConfig().andThen(done -> retriever.close());
  }

  private static String firstLine(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && !(cause instanceof DecodeException)) {
      cause = cause.getCause();
    }
    String message = String.valueOf(cause.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

}
