import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;

/** The baseline: a bare Vert.x 5 WebSocket echo, same Vert.x as ws-echo, no logging, no checks. */
public class BareVertxEcho {
  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Vertx.vertx().createHttpServer(new HttpServerOptions()
            .setMaxWebSocketFrameSize(1 << 20).setMaxWebSocketMessageSize(1 << 20))
        .webSocketHandler(ws -> {
          ws.textMessageHandler(ws::writeTextMessage);
          ws.binaryMessageHandler(ws::writeBinaryMessage);
        })
        .listen(port)
        .onSuccess(server -> System.out.println("bare Vert.x echo listening on " + server.actualPort()));
  }
}
