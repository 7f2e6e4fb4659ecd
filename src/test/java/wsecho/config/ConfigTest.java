package wsecho.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigTest {

  private static EchoConfig build(JsonObject file, Map<String, String> env, Map<String, String> sys) {
    return ConfigLoader.fromLayers(file, env, sys, "config.json");
  }

  private static JsonObject filePort(int port) {
    return new JsonObject().put("http", new JsonObject().put("port", port));
  }

  @Test
  void hasTheDocumentedDefaults() {
    EchoConfig config = build(new JsonObject(), Map.of(), Map.of());
    assertThat(config.http()).isEqualTo(new EchoConfig.Http("0.0.0.0", 8000, 10_000, 8192, new EchoConfig.Tls("", ""), List.of(), "x-forwarded-for", 1 << 20, false));
    assertThat(config.instances()).isZero();
    assertThat(config.effectiveInstances()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(config.websocket()).isEqualTo(new EchoConfig.WebSocket("strict", "/ws/echo", 1 << 20, 1 << 20, true,
        List.of(), List.of(), 0, 30_000, 75_000, 5_000, "auto", 0, 30_000, Runtime.getRuntime().maxMemory() / 100 * 25));
    assertThat(config.eventBus().address()).isEqualTo("ws.echo.messages");
    assertThat(config.shutdown().timeoutMs()).isEqualTo(10_000);
    assertThat(config.log()).isEqualTo(new EchoConfig.Log(true, 256, 10_000, 1_000, "text", 100));
    assertThat(config.cluster()).isEqualTo(new EchoConfig.Cluster(false, "", 5701, List.of(), "", 5702));
    assertThat(config.roles()).containsExactly("echo", "logger");
  }

  @Test
  void clusterTakesTcpIpMembersOrAKubernetesServiceAndRolesAsAList() {
    EchoConfig tcp = build(new JsonObject(), Map.of("CLUSTER_ENABLED", "true", "CLUSTER_MEMBERS", "10.0.0.5:5701, ws-echo-1:5701",
        "CLUSTER_HOST", "10.0.0.5", "CLUSTER_EVENT_BUS_PORT", "6000", "ROLES", "echo"), Map.of());
    assertThat(tcp.cluster()).isEqualTo(new EchoConfig.Cluster(true, "10.0.0.5", 5701, List.of("10.0.0.5:5701", "ws-echo-1:5701"), "", 6000));
    assertThat(tcp.echoRole()).isTrue();
    assertThat(tcp.loggerRole()).isFalse();
    EchoConfig dns = build(new JsonObject().put("roles", new io.vertx.core.json.JsonArray().add("logger")),
        Map.of("CLUSTER_ENABLED", "true", "CLUSTER_KUBERNETES_SERVICE", "ws-echo-cluster.default.svc.cluster.local"), Map.of());
    assertThat(dns.cluster().kubernetesService()).isEqualTo("ws-echo-cluster.default.svc.cluster.local");
    assertThat(dns.roles()).containsExactly("logger");
  }

  @Test
  void refusesAClusterWithoutOneDiscoveryOrWithMalformedMembers() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("CLUSTER_ENABLED", "true"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid configuration: cluster.members = \"\" (expected one discovery: cluster.members or "
            + "cluster.kubernetesService (multicast is never used))");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("CLUSTER_ENABLED", "true", "CLUSTER_MEMBERS", "a:1",
        "CLUSTER_KUBERNETES_SERVICE", "svc"), Map.of()))
        .hasMessageStartingWith("Invalid configuration: cluster.members = \"a:1\" (expected one discovery");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("CLUSTER_MEMBERS", "10.0.0.5"), Map.of()))
        .hasMessage("Invalid configuration: cluster.members = \"10.0.0.5\" (expected host:port entries such as 10.0.0.5:5701)");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("CLUSTER_MEMBERS", "10.0.0.5:70000"), Map.of()))
        .hasMessageStartingWith("Invalid configuration: cluster.members = \"10.0.0.5:70000\"");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("CLUSTER_ENABLED", "true", "CLUSTER_MEMBERS", "h:5701",
        "CLUSTER_EVENT_BUS_PORT", "5701"), Map.of()))
        .hasMessage("Invalid configuration: cluster.eventBusPort = 5701 (expected a port other than cluster.port)");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("CLUSTER_KUBERNETES_SERVICE", "Not_A_Name"), Map.of()))
        .hasMessageStartingWith("Invalid configuration: cluster.kubernetesService = \"Not_A_Name\"");
  }

  @Test
  void refusesUnknownRolesAndASingleRoleWithoutACluster() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("ROLES", "echo,printer"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid configuration: roles = \"echo,printer\" (expected echo, logger, or both)");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("ROLES", "echo"), Map.of()))
        .hasMessage("Invalid configuration: roles = \"echo\" (expected echo,logger unless cluster.enabled is true)");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("ROLES", " , "), Map.of()))
        .hasMessage("Invalid configuration: roles = \"\" (expected echo, logger, or both)");
  }

  @Test
  void fileOverridesDefaults() {
    assertThat(build(filePort(9001), Map.of(), Map.of()).http().port()).isEqualTo(9001);
  }

  @Test
  void environmentOverridesFile() {
    assertThat(build(filePort(9001), Map.of("HTTP_PORT", "9002"), Map.of()).http().port()).isEqualTo(9002);
  }

  @Test
  void systemPropertyOverridesEnvironmentAndFile() {
    EchoConfig config = build(filePort(9001), Map.of("HTTP_PORT", "9002"), Map.of("http.port", "9003"));
    assertThat(config.http().port()).isEqualTo(9003);
  }

  @Test
  void everyKeyFollowsTheEnvironmentNamingRule() {
    assertThat(ConfigLoader.envName("websocket.maxMessageSize")).isEqualTo("WEBSOCKET_MAX_MESSAGE_SIZE");
    assertThat(ConfigLoader.envName("eventBus.address")).isEqualTo("EVENT_BUS_ADDRESS");
    assertThat(ConfigLoader.envName("instances")).isEqualTo("INSTANCES");
    EchoConfig config = build(new JsonObject(), Map.of(
        "WEBSOCKET_MAX_MESSAGE_SIZE", "2048", "EVENT_BUS_ADDRESS", "elsewhere", "LOG_MESSAGES", "false",
        "LOG_MAX_CHARS", "12", "INSTANCES", "3", "HTTP_HOST", "127.0.0.1"), Map.of());
    assertThat(config.websocket().maxMessageSize()).isEqualTo(2048);
    assertThat(config.eventBus().address()).isEqualTo("elsewhere");
    assertThat(config.log().messages()).isFalse();
    assertThat(config.log().maxChars()).isEqualTo(12);
    assertThat(config.instances()).isEqualTo(3);
    assertThat(config.http().host()).isEqualTo("127.0.0.1");
  }

  @Test
  void systemPropertiesUseTheDottedPath() {
    EchoConfig config = build(new JsonObject(), Map.of(), Map.of("websocket.maxFrameSize", "4096", "websocket.path", "/echo"));
    assertThat(config.websocket().maxFrameSize()).isEqualTo(4096);
    assertThat(config.websocket().path()).isEqualTo("/echo");
  }

  @Test
  void listsComeAsJsonArraysInTheFileAndCommaSeparatedElsewhere() {
    JsonObject file = new JsonObject().put("websocket", new JsonObject()
        .put("allowedOrigins", new io.vertx.core.json.JsonArray().add("https://a.example").add("https://b.example")));
    assertThat(build(file, Map.of(), Map.of()).websocket().allowedOrigins())
        .containsExactly("https://a.example", "https://b.example");
    assertThat(build(file, Map.of("WEBSOCKET_SUBPROTOCOLS", "chat, echo"), Map.of()).websocket().subprotocols())
        .containsExactly("chat", "echo");
    JsonObject bad = new JsonObject().put("websocket", new JsonObject().put("subprotocols", 5));
    assertThatThrownBy(() -> build(bad, Map.of(), Map.of())).hasMessageContaining("websocket.subprotocols = 5");
  }

  @Test
  void refusesTlsWithOnlyOneOfCertificateAndKey() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("HTTP_TLS_CERT_PATH", "conf/config.json"), Map.of()))
        .hasMessageContaining("http.tls.keyPath");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("HTTP_TLS_CERT_PATH", "/nonexistent.pem",
        "HTTP_TLS_KEY_PATH", "/nonexistent.key"), Map.of()))
        .hasMessageContaining("http.tls.certPath = \"/nonexistent.pem\" (expected a readable PEM file)");
  }

  @Test
  void refusesAnUnknownLogFormat() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("LOG_FORMAT", "xml"), Map.of()))
        .hasMessageContaining("log.format = \"xml\" (expected text or json)");
  }

  @Test
  void chooseTheForwardedHeaderAndProxyProtocolOrRefuseAnUnknownHeader() {
    EchoConfig config = build(new JsonObject(), Map.of("HTTP_FORWARDED_HEADER", "Forwarded", "HTTP_PROXY_PROTOCOL", "true"), Map.of());
    assertThat(config.http().forwardedHeader()).isEqualTo("forwarded");
    assertThat(config.http().proxyProtocol()).isTrue();
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("HTTP_FORWARDED_HEADER", "x-real-ip"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid configuration: http.forwardedHeader = \"x-real-ip\" (expected x-forwarded-for or forwarded)");
  }

  @Test
  void chooseTheEngineOrRefuseAnUnknownOne() {
    assertThat(build(new JsonObject(), Map.of("WEBSOCKET_ENGINE", "vertx"), Map.of()).websocket().vertxEngine()).isTrue();
    assertThat(build(new JsonObject(), Map.of(), Map.of()).websocket().engine()).isEqualTo("strict");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("WEBSOCKET_ENGINE", "netty"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid configuration: websocket.engine = \"netty\" (expected strict or vertx)");
  }

  @Test
  void chooseTheLingeringCloseOrRefuseAnUnknownOne() {
    assertThat(build(new JsonObject(), Map.of(), Map.of()).websocket().lingerAlways()).isFalse();
    assertThat(build(new JsonObject(), Map.of("WEBSOCKET_LINGERING_CLOSE", "always"), Map.of()).websocket().lingerAlways()).isTrue();
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("WEBSOCKET_LINGERING_CLOSE", "on"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid configuration: websocket.lingeringClose = \"on\" (expected auto or always)");
  }

  @Test
  void chooseTheTransportOrRefuseAnUnknownOne() {
    assertThat(build(new JsonObject(), Map.of(), Map.of()).preferNativeTransport()).isTrue();
    assertThat(build(new JsonObject(), Map.of("TRANSPORT", "nio"), Map.of()).preferNativeTransport()).isFalse();
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("TRANSPORT", "io_uring"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid configuration: transport = \"io_uring\" (expected native or nio)");
  }

  @Test
  void refusesAPortThatIsNotANumber() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("HTTP_PORT", "eighty"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid configuration: http.port = \"eighty\" (expected an integer from 0 to 65535)");
  }

  @Test
  void refusesAPortOutsideTheRange() {
    assertThatThrownBy(() -> build(filePort(70000), Map.of(), Map.of()))
        .hasMessage("Invalid configuration: http.port = 70000 (expected an integer from 0 to 65535)");
    assertThatThrownBy(() -> build(filePort(-1), Map.of(), Map.of()))
        .hasMessageContaining("http.port = -1");
  }

  @Test
  void refusesNegativeInstances() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("INSTANCES", "-2"), Map.of()))
        .hasMessage("Invalid configuration: instances = \"-2\" (expected an integer from 0 to 1024)");
  }

  @Test
  void refusesABooleanThatIsNotOne() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("LOG_MESSAGES", "yes please"), Map.of()))
        .hasMessageContaining("log.messages = \"yes please\" (expected true or false)");
  }

  @Test
  void refusesAWebSocketPathThatIsNotAPath() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("WEBSOCKET_PATH", "ws/echo"), Map.of()))
        .hasMessageContaining("websocket.path = \"ws/echo\"");
  }

  @Test
  void refusesANegativeFrameTimeoutOrConnectionLogRate() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("WEBSOCKET_FRAME_TIMEOUT_MS", "-1"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("websocket.frameTimeoutMs = \"-1\"");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("LOG_MAX_CONNECTIONS_PER_SECOND", "many"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("log.maxConnectionsPerSecond = \"many\"");
  }

  @Test
  void takesABufferBudgetInBytesOrAsAShareOfTheHeap() {
    assertThat(build(new JsonObject(), Map.of("WEBSOCKET_MAX_BUFFERED_BYTES", "8589934592"), Map.of()).websocket().maxBufferedBytes())
        .isEqualTo(8L << 30);
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("WEBSOCKET_MAX_BUFFERED_BYTES", "1000"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("websocket.maxBufferedBytes = \"1000\"");
    assertThat(build(new JsonObject(), Map.of("WEBSOCKET_MAX_BUFFERED_BYTES", "50%"), Map.of()).websocket().maxBufferedBytes())
        .isEqualTo(Runtime.getRuntime().maxMemory() / 100 * 50);
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("WEBSOCKET_MAX_BUFFERED_BYTES", "150%"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("websocket.maxBufferedBytes = \"150%\"");
  }

  @Test
  void refusesATlsPathThatIsNoPathInOneLine() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("HTTP_TLS_CERT_PATH", "a\u0000b", "HTTP_TLS_KEY_PATH", "k\nx"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessage(
            "Invalid configuration: http.tls.certPath = \"a\\u0000b\" (expected a readable PEM file)");
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("HTTP_TLS_CERT_PATH", "pom.xml", "HTTP_TLS_KEY_PATH", "k\nx"), Map.of()))
        .hasMessage("Invalid configuration: http.tls.keyPath = \"k\\nx\" (expected a readable PEM file)");
  }

  @Test
  void refusesMessageLimitsAbove64MiB() {
    assertThatThrownBy(() -> build(new JsonObject(), Map.of("WEBSOCKET_MAX_MESSAGE_SIZE", "67108865"), Map.of()))
        .hasMessageContaining("websocket.maxMessageSize");
  }

  @Test
  void refusesUnknownKeysInTheFile() {
    JsonObject file = new JsonObject().put("http", new JsonObject().put("prot", 8000));
    assertThatThrownBy(() -> build(file, Map.of(), Map.of()))
        .hasMessageStartingWith("Invalid configuration: unknown key http.prot in config.json");
  }

  @Test
  void theShippedConfigFileIsValidAndComplete() throws IOException {
    JsonObject file = new JsonObject(Files.readString(Path.of("conf/config.json")));
    EchoConfig config = build(file, Map.of(), Map.of());
    assertThat(config.http().port()).isEqualTo(8000);
    for (String key : ConfigLoader.keys()) {
      Object node = file;
      for (String part : key.split("\\.")) {
        node = ((JsonObject) node).getValue(part);
      }
      assertThat(node).as("conf/config.json sets " + key).isNotNull();
    }
  }

  @Test
  void theReadmeDocumentsEveryKeyWithItsEnvironmentName() throws IOException {
    String readme = Files.readString(Path.of("README.md"));
    for (String key : ConfigLoader.keys()) {
      assertThat(readme).contains("| `" + key + "` | `" + ConfigLoader.envName(key) + "` |");
    }
  }
}
