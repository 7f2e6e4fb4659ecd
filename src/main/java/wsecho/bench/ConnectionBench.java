package wsecho.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connections rather than messages: {@code --idle N} opens N connections from source addresses
 * 127.0.0.2, 127.0.0.3, ... (past one address's ephemeral ports) and holds them
 * ({@code --handshakes} is {@link HandshakeBench}).
 */
final class ConnectionBench {

  /** Ephemeral ports per source address, with room to spare below Linux's 28,232. */
  private static final int PER_SOURCE = 20_000;

  private final BenchOptions options;
  private final PrintStream out;

  ConnectionBench(BenchOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  private List<WebSocketClient> clients(Vertx vertx, int sources) {
    List<WebSocketClient> clients = new ArrayList<>();
    for (int s = 0; s < sources; s++) {
      WebSocketClientOptions clientOptions = new WebSocketClientOptions()
          .setMaxConnections(Math.max(PER_SOURCE, options.connections()) + 16)
          .setConnectTimeout(20_000)
          .setTrustAll(true).setVerifyHost(false)
          .setTryUsePerMessageCompression(false);
      if (options.host().startsWith("127.")) {
        clientOptions.setLocalAddress("127.0.0." + (2 + s));
      }
      clients.add(vertx.createWebSocketClient(clientOptions));
    }
    return clients;
  }

  private WebSocketConnectOptions target() {
    return new WebSocketConnectOptions().setHost(options.host()).setPort(options.port()).setURI(options.path())
        .setSsl(options.ssl());
  }

  /** Opens, echoes once on each, holds for the duration, and reports. */
  int idle() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.threads()));
    try {
      List<WebSocketClient> clients = clients(vertx, (options.idle() + PER_SOURCE - 1) / PER_SOURCE);
      List<WebSocket> open = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicLong failed = new AtomicLong();
      long start = System.nanoTime();
      // At most 500 handshakes in flight: a burst of thousands only measures the accept queue.
      int batch = 500;
      for (int i = 0; i < options.idle(); i += batch) {
        List<Future<?>> round = new ArrayList<>();
        for (int j = i; j < Math.min(options.idle(), i + batch); j++) {
          WebSocketClient client = clients.get(j / PER_SOURCE);
          round.add(client.connect(target()).compose(ws -> echoOnce(ws).map(ws))
              .onSuccess(open::add).onFailure(f -> failed.incrementAndGet()));
        }
        Future.join(round).toCompletionStage().toCompletableFuture().exceptionally(t -> null).get(120, TimeUnit.SECONDS);
        if (!options.quiet() && (i / batch) % 4 == 3) {
          out.printf("  %d connections open, %d failed%n", open.size(), failed.get());
        }
      }
      double openSeconds = (System.nanoTime() - start) / 1e9;
      out.printf(Locale.ROOT, "%d idle connections open (%d failed) in %.1f s; holding for %d s%n",
          open.size(), failed.get(), openSeconds, options.duration().toSeconds());
      out.printf(Locale.ROOT, "RESULT mode=idle opened=%d failed=%d open_s=%.1f%n", open.size(), failed.get(), openSeconds);
      out.flush();
      Thread.sleep(options.duration().toMillis());
      long closedEarly = open.stream().filter(WebSocket::isClosed).count();
      out.printf("%d of %d connections still open at the end%n", open.size() - closedEarly, open.size());
      out.printf("RESULT mode=idle_end still_open=%d%n", open.size() - closedEarly);
      return failed.get() == 0 && closedEarly == 0 ? 0 : 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
  }

  private static Future<Void> echoOnce(WebSocket ws) {
    Promise<Void> echoed = Promise.promise();
    ws.textMessageHandler(text -> echoed.tryComplete());
    ws.exceptionHandler(echoed::tryFail);
    ws.closeHandler(v -> echoed.tryFail("closed before the echo"));
    ws.writeTextMessage("hello");
    return echoed.future();
  }
}
