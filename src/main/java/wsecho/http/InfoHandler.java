package wsecho.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code GET /info}: which replica and echo instance answered, what it runs, who the client is
 * (the TCP peer, and the forwarded address when the peer is a trusted proxy), and the request's
 * headers exactly as they arrived, after whatever the proxies in front did to them. What people
 * testing an ingress look at beside the echo.
 */
public final class InfoHandler implements Handler<RoutingContext> {

  /** What does not change while the process runs; found once at start, off the event loop. */
  public record Identity(String service, String version, String vertx, String host) {

    /** The host: the pod name when Kubernetes passes it ({@code POD_NAME}), else the machine's name. */
    public static Identity of(String vertxVersion) {
      String version = InfoHandler.class.getPackage().getImplementationVersion();
      return new Identity("ws-echo", version == null ? "dev" : version, vertxVersion, hostName());
    }

    private static String hostName() {
      for (String variable : new String[] {"POD_NAME", "HOSTNAME"}) {
        String value = System.getenv(variable);
        if (value != null && !value.isBlank()) {
          return value.trim();
        }
      }
      try {
        return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim(); // no DNS lookup
      } catch (Exception e) {
        return "unknown";
      }
    }
  }

  private final JsonObject fixed;
  private final ClientAddress clientAddress;

  public InfoHandler(Identity identity, String engine, int instance, ClientAddress clientAddress) {
    this.clientAddress = clientAddress;
    this.fixed = new JsonObject()
        .put("service", identity.service())
        .put("version", identity.version())
        .put("vertx", identity.vertx())
        .put("engine", engine)
        .put("host", identity.host())
        .put("instance", instance);
  }

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    JsonObject body = fixed.copy()
        .put("uptimeSeconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000)
        .put("client", clientAddress.describe(request))
        .put("request", new JsonObject().put("method", request.method().name()).put("uri", request.uri())
            .put("version", request.version().alpnName()).put("headers", RequestJson.headers(request)));
    RequestJson.send(rc, body);
  }
}
