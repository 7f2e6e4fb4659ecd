package wsecho;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import wsecho.config.ConfigLoader;
import wsecho.config.EchoConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Starts the real service on a free loopback port, and makes real WebSocket clients for it. */
public final class TestService {

  private TestService() {}

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code count} ports free now and different from each other: the sockets are held open together,
   * so the kernel cannot hand out one port twice (closed one by one, it may).
   */
  public static int[] freePorts(int count) {
    java.util.List<ServerSocket> sockets = new java.util.ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0);
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket socket : sockets) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing a listening socket does not fail in a way that matters here
        }
      }
    }
  }

  /** A config on a free loopback port with one echo instance; {@code overrides} are merged in. */
  public static EchoConfig config(JsonObject overrides) {
    JsonObject json = new JsonObject()
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", freePort()))
        .put("instances", 1);
    return ConfigLoader.fromJson(json.mergeIn(overrides, true));
  }

  public static Future<EchoService.Started> start(Vertx vertx) {
    return start(vertx, new JsonObject());
  }

  public static Future<EchoService.Started> start(Vertx vertx, JsonObject overrides) {
    return EchoService.deploy(vertx, config(overrides));
  }

  /** A client that accepts everything the server may send back and holds many connections. */
  public static WebSocketClient client(Vertx vertx) {
    return vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(64 * 1024 * 1024)
        .setMaxMessageSize(64 * 1024 * 1024)
        .setMaxConnections(1000));
  }
}
