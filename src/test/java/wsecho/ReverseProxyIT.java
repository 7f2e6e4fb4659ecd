package wsecho;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's nginx and HAProxy on loopback, as stand-ins for the ingresses users put in front of the
 * service, each plain and terminating TLS, each routing everything or only {@code /ws/}, with the
 * configuration files the README documents, in front of the fat jar run as a process. The proxies
 * connect from 127.0.0.3, the one address in {@code http.trustedProxies}; clients come from
 * 127.0.0.1, so the log shows which of the two the service believed.
 */
class ReverseProxyIT {

  private static final String TRUSTED_PROXY = "127.0.0.3";
  private static final AtomicInteger MESSAGES = new AtomicInteger();
  private static ServiceProcess service;
  private static int servicePort;

  @BeforeAll
  static void startService() throws Exception {
    servicePort = TestService.freePort();
    // Pings every 300 ms: the idle test's proxies drop a connection quiet for 1 s.
    service = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(servicePort), "HTTP_HOST", "127.0.0.1",
        "HTTP_TRUSTED_PROXIES", TRUSTED_PROXY, "WEBSOCKET_PING_INTERVAL_MS", "300"), List.of());
    service.awaitStdout(line -> line.contains("listening on"), Duration.ofSeconds(30));
  }

  @AfterAll
  static void stopService() throws Exception {
    if (service != null) {
      assertThat(service.stop()).isZero();
    }
  }

  static List<ReverseProxy.Setup> proxies() {
    List<ReverseProxy.Setup> setups = new ArrayList<>();
    for (ReverseProxy.Kind kind : ReverseProxy.Kind.values()) {
      for (boolean tls : new boolean[] {false, true}) {
        for (ReverseProxy.Routing routing : List.of(ReverseProxy.Routing.EVERYTHING, ReverseProxy.Routing.ONLY_WS)) {
          setups.add(ReverseProxy.Setup.of(kind, routing, tls));
        }
      }
    }
    return setups;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("proxies")
  void echoesEveryKindOfMessageAndLogsTheClientTheTrustedProxyNamed(ReverseProxy.Setup setup) throws Exception {
    try (ReverseProxy proxy = ReverseProxy.start(servicePort, setup)) {
      HttpClient http = proxy.httpClient();
      // Forged by the client: the proxies append the real one, and pass Forwarded through untouched.
      JdkWebSocket ws = JdkWebSocket.connect(http, proxy.wsBase() + "/ws/echo",
          Map.of("X-Forwarded-For", "203.0.113.66", "Forwarded", "for=198.51.100.66"));
      String text = "through " + setup + " 你好 😀 #" + MESSAGES.incrementAndGet();
      ws.sendText(text);
      assertThat(ws.next().text()).isEqualTo(text);
      byte[] bytes = new byte[100_000];
      new Random(5).nextBytes(bytes);
      ws.sendBinary(bytes);
      assertThat(Arrays.equals(ws.next().bytes(), bytes)).as("the binary echo is byte for byte what was sent").isTrue();
      ws.sendTextPart("frag", false);
      ws.sendTextPart("mented ", false);
      ws.sendTextPart("#" + MESSAGES.get(), true);
      assertThat(ws.next().text()).isEqualTo("fragmented #" + MESSAGES.get());
      ws.close(1000, "done");
      assertThat(ws.closeCode()).isEqualTo(1000);

      String line = service.awaitStdout(l -> l.endsWith(" sent: " + text), Duration.ofSeconds(10));
      assertThat(line).as("the client's address, not the proxy's nor the forged one")
          .isEqualTo("127.0.0.1 sent: " + text);

      JsonObject info = new JsonObject(get(http, proxy.httpBase() + "/ws/echo_display/info",
          Map.of("X-Forwarded-For", "203.0.113.66")).body());
      assertThat(info.getString("engine")).isEqualTo("strict");
      assertThat(info.getString("host")).isNotBlank();
      JsonObject client = info.getJsonObject("client");
      assertThat(client.getString("peer")).startsWith(TRUSTED_PROXY + ":");
      assertThat(client.getString("address")).isEqualTo("127.0.0.1");
      List<String> hops = Arrays.stream(String.join(",", headerValues(info, "X-Forwarded-For")).split(","))
          .map(String::trim).toList();
      assertThat(hops).as("X-Forwarded-For as the service received it").containsExactly("203.0.113.66", "127.0.0.1");

      HttpResponse<String> echoed = http.send(HttpRequest.newBuilder(URI.create(proxy.httpBase() + "/ws/http/echo/a/b?x=1"))
          .method("PUT", HttpRequest.BodyPublishers.ofString("body through " + setup)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(echoed.statusCode()).isEqualTo(200);
      JsonObject request = new JsonObject(echoed.body());
      assertThat(request.getString("method")).isEqualTo("PUT");
      assertThat(request.getString("path")).isEqualTo("/ws/http/echo/a/b");
      assertThat(request.getString("body")).isEqualTo("body through " + setup);
      assertThat(request.getJsonObject("client").getString("address")).isEqualTo("127.0.0.1");

      HttpResponse<String> page = get(http, proxy.httpBase() + "/ws/echo_display", Map.of());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("id=\"status\"");
      if (setup.routing() == ReverseProxy.Routing.ONLY_WS) {
        assertThat(get(http, proxy.httpBase() + "/health/ready", Map.of()).statusCode())
            .as("outside /ws/ the proxy answers, not the service").isEqualTo(404);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReverseProxy.Kind.class)
  void aProxyThatIsNotTrustedCannotNameTheClient(ReverseProxy.Kind kind) throws Exception {
    ReverseProxy.Setup setup = ReverseProxy.Setup.of(kind, ReverseProxy.Routing.EVERYTHING, false).from("127.0.0.4");
    try (ReverseProxy proxy = ReverseProxy.start(servicePort, setup)) {
      JdkWebSocket ws = JdkWebSocket.connect(proxy.httpClient(), proxy.wsBase() + "/ws/echo",
          Map.of("X-Forwarded-For", "203.0.113.66"));
      String text = "through an untrusted " + kind + " #" + MESSAGES.incrementAndGet();
      ws.sendText(text);
      assertThat(ws.next().text()).isEqualTo(text);
      String line = service.awaitStdout(l -> l.endsWith(" sent: " + text), Duration.ofSeconds(10));
      assertThat(line).as("the TCP peer: the untrusted proxy").matches("127\\.0\\.0\\.4:\\d+ sent: .*");
      JsonObject info = new JsonObject(get(proxy.httpClient(), proxy.httpBase() + "/info", Map.of("X-Forwarded-For", "203.0.113.66")).body());
      assertThat(info.getJsonObject("client").getString("forwarded")).isNull();
      assertThat(info.getJsonObject("client").getString("address")).startsWith("127.0.0.4:");
      ws.close(1000, "done");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ReverseProxy.Kind.class)
  void anIdleWebSocketOutlivesTheProxyIdleTimeoutBecauseTheServerPings(ReverseProxy.Kind kind) throws Exception {
    assertThat(echoesAfterIdling(kind, servicePort)).as("with the server's pings").isTrue();
  }

  /** The other half, so the one above can fail: the same proxy in front of a service that never pings. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(ReverseProxy.Kind.class)
  void withoutTheServersPingsTheProxyDropsTheIdleWebSocket(ReverseProxy.Kind kind) throws Exception {
    int port = TestService.freePort();
    try (ServiceProcess silent = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(port), "HTTP_HOST", "127.0.0.1",
        "WEBSOCKET_PING_INTERVAL_MS", "0"), List.of())) {
      silent.awaitStdout(line -> line.contains("listening on"), Duration.ofSeconds(30));
      assertThat(echoesAfterIdling(kind, port)).as("without pings").isFalse();
    }
  }

  /** Through a proxy with a 1 s idle timeout: whether an echo still comes back after 3 s of quiet. */
  private static boolean echoesAfterIdling(ReverseProxy.Kind kind, int port) throws Exception {
    ReverseProxy.Setup setup = ReverseProxy.Setup.of(kind, ReverseProxy.Routing.EVERYTHING, false)
        .idleTimeout(Duration.ofSeconds(1));
    try (ReverseProxy proxy = ReverseProxy.start(port, setup)) {
      JdkWebSocket ws = JdkWebSocket.connect(proxy.httpClient(), proxy.wsBase() + "/ws/echo", Map.of());
      ws.sendText("before");
      assertThat(ws.next().text()).isEqualTo("before");
      Thread.sleep(3000); // three of the proxy's idle timeouts, with nothing sent but pings and their pongs, if any
      try {
        ws.sendText("after");
        return "after".equals(ws.next().text());
      } catch (Exception | AssertionError dropped) {
        return false;
      }
    }
  }

  @Test
  void behindHaproxyWithProxyProtocolTheHeaderNamesTheClient() throws Exception {
    int port = TestService.freePort();
    try (ServiceProcess proxied = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(port), "HTTP_HOST", "127.0.0.1",
        "HTTP_PROXY_PROTOCOL", "true"), List.of());
         ReverseProxy proxy = ReverseProxy.start(port, ReverseProxy.Setup.of(ReverseProxy.Kind.HAPROXY,
             ReverseProxy.Routing.EVERYTHING, false).withProxyProtocol())) {
      proxied.awaitStdout(line -> line.contains("listening on"), Duration.ofSeconds(30));
      JdkWebSocket ws = JdkWebSocket.connect(proxy.httpClient(), proxy.wsBase() + "/ws/echo", Map.of());
      String text = "with a PROXY header #" + MESSAGES.incrementAndGet();
      ws.sendText(text);
      assertThat(ws.next().text()).isEqualTo(text);
      String line = proxied.awaitStdout(l -> l.endsWith(" sent: " + text), Duration.ofSeconds(10));
      assertThat(line).as("the client the header named, with its port").matches("127\\.0\\.0\\.1:\\d+ sent: .*");
      ws.close(1000, "done");

      JsonObject client = new JsonObject(get(proxy.httpClient(), proxy.httpBase() + "/info", Map.of()).body())
          .getJsonObject("client");
      assertThat(client.getString("peer")).startsWith(TRUSTED_PROXY + ":");
      assertThat(client.getString("proxyProtocol")).startsWith("127.0.0.1:");
      assertThat(client.getString("address")).isEqualTo(client.getString("proxyProtocol"));

      // Straight to the service, without the header: not served.
      HttpResponse<String> direct = null;
      try {
        direct = get(HttpClient.newHttpClient(), "http://127.0.0.1:" + port + "/info", Map.of());
      } catch (IOException refused) {
        // closed without an answer: what Vert.x does with a connection that has no PROXY header
      }
      assertThat(direct).as("a request without a PROXY header gets no answer").isNull();
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The values of one request header as /info reports them, in order. */
  private static List<String> headerValues(JsonObject info, String name) {
    List<String> values = new ArrayList<>();
    JsonArray headers = info.getJsonObject("request").getJsonArray("headers");
    for (int i = 0; i < headers.size(); i++) {
      JsonArray header = headers.getJsonArray(i);
      if (header.getString(0).equalsIgnoreCase(name)) {
        values.add(header.getString(1));
      }
    }
    return values;
  }
}
