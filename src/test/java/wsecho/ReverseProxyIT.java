package wsecho;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's nginx on loopback, as a stand-in for ingress-nginx, with the proxy settings the README
 * documents ({@code conf/nginx-ws-echo.conf}), in front of the real service.
 */
class ReverseProxyIT {

  private Vertx vertx;
  private Process nginx;
  private int proxyPort;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    EchoService.Started started = EchoService.deploy(vertx, TestService.config(new JsonObject()))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    proxyPort = TestService.freePort();
    Path dir = Files.createDirectories(Path.of("target", "nginx-" + proxyPort).toAbsolutePath());
    Path snippet = Path.of("conf", "nginx-ws-echo.conf").toAbsolutePath();
    String config = """
        worker_processes 1;
        daemon off;
        master_process off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 256; }
        http {
          access_log off;
          client_body_temp_path %1$s/body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          map $http_upgrade $connection_upgrade { default upgrade; '' close; }
          upstream ws_echo { server 127.0.0.1:%2$d; }
          server {
            listen 127.0.0.1:%3$d;
            include %4$s;
          }
        }
        """.formatted(dir, started.port(), proxyPort, snippet);
    Path conf = Files.writeString(dir.resolve("nginx.conf"), config);
    nginx = new ProcessBuilder("/usr/sbin/nginx", "-e", dir.resolve("error.log").toString(), "-p", dir.toString(), "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try (Socket probe = new Socket("127.0.0.1", proxyPort)) {
        break;
      } catch (java.io.IOException notYet) {
        assertThat(nginx.isAlive()).as("nginx is running (see " + dir + "/error.log)").isTrue();
        assertThat(System.nanoTime()).as("nginx listens within 10 s").isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }

  @AfterEach
  void stop() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      nginx.waitFor(10, TimeUnit.SECONDS);
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
