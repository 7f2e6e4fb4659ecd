package wsecho;

import io.vertx.core.net.SelfSignedCertificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debian's nginx or HAProxy on loopback in front of the service, started with the configuration
 * files the README documents ({@code conf/nginx-ws-echo.conf}, {@code conf/haproxy-ws-echo.cfg}),
 * changed only where a user would change them: where it listens (plain or TLS with a self-signed
 * certificate), which paths it routes, the address it connects from, its idle timeout, the PROXY
 * header.
 */
final class ReverseProxy implements AutoCloseable {

  enum Kind { NGINX, HAPROXY }

  /** How the proxy routes to the service. */
  enum Routing {
    /** Everything. */
    EVERYTHING,
    /** Only the prefix both of the service's paths share, {@code /ws/}; anything else is the proxy's 404. */
    ONLY_WS,
    /** Under {@code /team/echo/}, the prefix stripped before the service sees the path. */
    STRIPPED_PREFIX;

    /** What the proxy puts in front of the service's own paths. */
    String prefix() {
      return this == STRIPPED_PREFIX ? "/team/echo" : "";
    }
  }

  /**
   * @param source        the loopback address the proxy connects to the service from (a trusted proxy or not)
   * @param idleTimeout   how long the proxy keeps a quiet connection (a WebSocket's tunnel)
   * @param proxyProtocol HAProxy only: send a PROXY v2 header to the service
   */
  record Setup(Kind kind, Routing routing, boolean tls, String source, Duration idleTimeout, boolean proxyProtocol) {
    static Setup of(Kind kind, Routing routing, boolean tls) {
      return new Setup(kind, routing, tls, "127.0.0.3", Duration.ofHours(1), false);
    }

    Setup from(String address) {
      return new Setup(kind, routing, tls, address, idleTimeout, proxyProtocol);
    }

    Setup idleTimeout(Duration timeout) {
      return new Setup(kind, routing, tls, source, timeout, proxyProtocol);
    }

    Setup withProxyProtocol() {
      return new Setup(kind, routing, tls, source, idleTimeout, true);
    }

    @Override
    public String toString() {
      return kind.name().toLowerCase() + (tls ? " tls" : "") + " " + routing.name().toLowerCase().replace('_', ' ');
    }
  }

  private static SelfSignedCertificate certificate;

  private final Process process;
  private final int port;
  private final Setup setup;
  private final Path dir;

  private ReverseProxy(Process process, int port, Setup setup, Path dir) {
    this.process = process;
    this.port = port;
    this.setup = setup;
    this.dir = dir;
  }

  static ReverseProxy start(int servicePort, Setup setup) throws Exception {
    int port = TestService.freePort();
    Path dir = Files.createDirectories(Path.of("target", "proxy-" + port).toAbsolutePath());
    Process process = switch (setup.kind()) {
      case NGINX -> startNginx(dir, port, servicePort, setup);
      case HAPROXY -> startHaproxy(dir, port, servicePort, setup);
    };
    ReverseProxy proxy = new ReverseProxy(process, port, setup, dir);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try (Socket probe = new Socket("127.0.0.1", port)) {
        return proxy;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          proxy.close();
          throw new AssertionError(setup.kind() + " did not listen within 10 s: " + Files.readString(dir.resolve("stdout.log")));
        }
        Thread.sleep(50);
      }
    }
  }

  private static Process startNginx(Path dir, int port, int servicePort, Setup setup) throws IOException {
    String snippet = Files.readString(Path.of("conf", "nginx-ws-echo.conf"));
    long idle = Math.max(1, setup.idleTimeout().toSeconds());
    String location = snippet
        .replace("proxy_read_timeout 3600s;", "proxy_read_timeout " + idle + "s;")
        .replace("proxy_send_timeout 3600s;", "proxy_send_timeout " + idle + "s;\n    proxy_bind " + setup.source() + ";");
    location = switch (setup.routing()) {
      case EVERYTHING -> location;
      case ONLY_WS -> location.replace("location / {", "location /ws/ {");
      case STRIPPED_PREFIX -> location.replace("location / {", "location /team/echo/ {")
          .replace("proxy_pass http://ws_echo;", "proxy_pass http://ws_echo/;");
    };
    assertThat(location).as("the documented snippet has the lines a user changes")
        .contains("proxy_read_timeout " + idle + "s;", "proxy_bind " + setup.source() + ";",
            setup.routing() == Routing.STRIPPED_PREFIX ? "proxy_pass http://ws_echo/;" : "proxy_pass http://ws_echo;");
    Path locationFile = Files.writeString(dir.resolve("location.conf"), location);
    String listen = setup.tls()
        ? "listen 127.0.0.1:%d ssl;\n    ssl_certificate %s;\n    ssl_certificate_key %s;"
            .formatted(port, certificate().certificatePath(), certificate().privateKeyPath())
        : "listen 127.0.0.1:%d;".formatted(port);
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
            %3$s
            include %4$s;
          }
        }
        """.formatted(dir, servicePort, listen, locationFile);
    Path conf = Files.writeString(dir.resolve("nginx.conf"), config);
    return new ProcessBuilder("/usr/sbin/nginx", "-e", dir.resolve("error.log").toString(), "-p", dir.toString(),
        "-c", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
  }

  private static Process startHaproxy(Path dir, int port, int servicePort, Setup setup) throws IOException {
    String documented = Files.readString(Path.of("conf", "haproxy-ws-echo.cfg"));
    String bind = "bind 127.0.0.1:" + port;
    if (setup.tls()) {
      // HAProxy takes the certificate and its key in one file.
      Path pem = dir.resolve("proxy.pem");
      Files.writeString(pem, Files.readString(Path.of(certificate().certificatePath()))
          + Files.readString(Path.of(certificate().privateKeyPath())));
      bind += " ssl crt " + pem;
    }
    String routing = switch (setup.routing()) {
      case EVERYTHING -> "";
      case ONLY_WS -> "\n    http-request return status 404 unless { path_beg /ws/ }";
      case STRIPPED_PREFIX -> "\n    http-request return status 404 unless { path_beg /team/echo/ }"
          + "\n    http-request replace-path /team/echo(/.*) \\1";
    };
    String server = "server echo1 127.0.0.1:" + servicePort + " source " + setup.source()
        + (setup.proxyProtocol() ? " send-proxy-v2" : "");
    String config = documented
        .replace("bind :8080", bind + routing)
        .replace("server echo1 127.0.0.1:8000", server)
        .replace("timeout tunnel 1h", "timeout tunnel " + setup.idleTimeout().toMillis() + "ms");
    assertThat(config).as("the documented file has the lines a user changes")
        .contains(bind, server, "timeout tunnel " + setup.idleTimeout().toMillis() + "ms");
    Path conf = Files.writeString(dir.resolve("haproxy.cfg"), "global\n    pidfile " + dir.resolve("haproxy.pid") + "\n\n" + config);
    return new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", conf.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
  }

  /** One self-signed certificate for every TLS proxy of the run, for {@code localhost}. */
  private static synchronized SelfSignedCertificate certificate() {
    if (certificate == null) {
      certificate = SelfSignedCertificate.create("localhost");
    }
    return certificate;
  }

  /** An HTTP client (also for WebSockets) that trusts this proxy's certificate and nothing else. */
  HttpClient httpClient() throws Exception {
    if (!setup.tls()) {
      return HttpClient.newHttpClient();
    }
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream pem = Files.newInputStream(Path.of(certificate().certificatePath()))) {
      trust.setCertificateEntry("proxy", CertificateFactory.getInstance("X.509").generateCertificate(pem));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(context).build();
  }

  int port() {
    return port;
  }

  /**
   * Where the service's paths are, seen through the proxy ({@code http://127.0.0.1:port/team/echo});
   * under TLS by the name on the certificate ({@code https://localhost:port}).
   */
  String httpBase() {
    return (setup.tls() ? "https://localhost:" : "http://127.0.0.1:") + port + setup.routing().prefix();
  }

  String wsBase() {
    return (setup.tls() ? "wss://localhost:" : "ws://127.0.0.1:") + port + setup.routing().prefix();
  }

  /** The proxy's own output (errors, warnings), for a failing test's message. */
  List<String> log() throws IOException {
    Path errors = dir.resolve("error.log");
    List<String> lines = new java.util.ArrayList<>(Files.readAllLines(dir.resolve("stdout.log")));
    if (Files.exists(errors)) {
      lines.addAll(Files.readAllLines(errors));
    }
    return lines;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    process.waitFor(10, TimeUnit.SECONDS);
  }
}
