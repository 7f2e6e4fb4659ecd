package wsecho;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's nginx on loopback, as a stand-in for ingress-nginx, with the proxy settings the README
 * documents ({@code conf/nginx-ws-echo.conf}), in front of the real service.
 */
class ReverseProxyIT {

  private Vertx vertx;
  private Nginx nginx;
  private int proxyPort;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    EchoService.Started started = EchoService.deploy(vertx, TestService.config(new JsonObject()))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    nginx = Nginx.start(started.port(), Nginx.Routing.EVERYTHING);
    proxyPort = nginx.port();
  }

  @AfterEach
  void stop() throws Exception {
    if (nginx != null) {
      nginx.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void echoesTextAndBinaryThroughNginx() throws Exception {
    // A browser's Origin through the proxy: same-origin because nginx passes Host with its port.
    JdkWebSocket ws = JdkWebSocket.connect("ws://127.0.0.1:" + proxyPort + "/ws/echo",
        java.util.Map.of("Origin", "http://127.0.0.1:" + proxyPort));
    ws.sendText("through nginx 你好 😀");
    assertThat(ws.next().text()).isEqualTo("through nginx 你好 😀");
    byte[] bytes = new byte[100_000];
    new java.util.Random(5).nextBytes(bytes);
    ws.sendBinary(bytes);
    byte[] got = ws.next().bytes();
    assertThat(got.length).isEqualTo(bytes.length);
    assertThat(java.util.Arrays.equals(got, bytes)).as("the binary echo is byte for byte what was sent").isTrue();
    ws.close(1000, "done");

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/ws/echo_display")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("id=\"status\"");
  }
}
