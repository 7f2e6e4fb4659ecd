package wsecho;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's nginx on loopback in front of the service, with the proxy settings the README documents
 * ({@code conf/nginx-ws-echo.conf}) mounted the way users route to it.
 */
final class Nginx implements AutoCloseable {

  /** How the proxy routes to the service. */
  enum Routing {
    /** {@code location /}: everything. */
    EVERYTHING,
    /** {@code location /ws/}: only the prefix both of the service's paths share. */
    ONLY_WS,
    /** {@code location /team/echo/}, the prefix stripped before the service sees the path. */
    STRIPPED_PREFIX;

    /** Where the page is, seen from the proxy. */
    String pagePath() {
      return this == STRIPPED_PREFIX ? "/team/echo/ws/echo_display" : "/ws/echo_display";
    }
  }

  private final Process process;
  private final int port;

  private Nginx(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static Nginx start(int servicePort, Routing routing) throws Exception {
    int port = TestService.freePort();
    Path dir = Files.createDirectories(Path.of("target", "nginx-" + port).toAbsolutePath());
    // The documented snippet proxies "location /"; the other routings move it.
    String snippet = Files.readString(Path.of("conf", "nginx-ws-echo.conf"));
    String location = switch (routing) {
      case EVERYTHING -> snippet;
      case ONLY_WS -> snippet.replace("location / {", "location /ws/ {");
      case STRIPPED_PREFIX -> snippet.replace("location / {", "location /team/echo/ {")
          .replace("proxy_pass http://ws_echo;", "proxy_pass http://ws_echo/;");
    };
    assertThat(location).as("the snippet has the lines the routings change").contains(
        routing == Routing.STRIPPED_PREFIX ? "proxy_pass http://ws_echo/;" : "proxy_pass http://ws_echo;");
    Path locationFile = Files.writeString(dir.resolve("location.conf"), location);
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
        """.formatted(dir, servicePort, port, locationFile);
    Path conf = Files.writeString(dir.resolve("nginx.conf"), config);
    Process process = new ProcessBuilder("/usr/sbin/nginx", "-e", dir.resolve("error.log").toString(), "-p", dir.toString(),
        "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
    Nginx nginx = new Nginx(process, port);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try (Socket probe = new Socket("127.0.0.1", port)) {
        return nginx;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          nginx.close();
          throw new AssertionError("nginx did not listen within 10 s (see " + dir + "/error.log)");
        }
        Thread.sleep(50);
      }
    }
  }

  int port() {
    return port;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
