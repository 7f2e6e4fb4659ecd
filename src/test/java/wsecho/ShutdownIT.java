package wsecho;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM on the real jar: drain, close 1001 after the echoes, exit 0. And the JSON log format. */
class ShutdownIT {

  private static final Duration START = Duration.ofSeconds(30);

  /** A JDK client that records every echo and the close code. */
  private static final class Recorder implements WebSocket.Listener {
    final List<String> echoes = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        echoes.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closeCode.complete(statusCode);
      return null; // the JDK client then answers the close
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closeCode.completeExceptionally(error);
    }
  }

  @Test
  void sigtermClosesEveryWebSocketWith1001AfterItsEchoesAndExits0() throws Exception {
    int port = TestService.freePort();
    try (ServiceProcess service = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(port), "LOG_MESSAGES", "false"), List.of())) {
      service.awaitStdout(line -> line.contains("listening on"), START);
      HttpClient http = HttpClient.newHttpClient();
      List<Recorder> recorders = new ArrayList<>();
      List<WebSocket> sockets = new ArrayList<>();
      for (int c = 0; c < 10; c++) {
        Recorder recorder = new Recorder();
        recorders.add(recorder);
        sockets.add(http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/echo"), recorder)
            .get(10, TimeUnit.SECONDS));
      }
      // Messages are in flight on every connection when the signal arrives.
      List<Thread> senders = new ArrayList<>();
      for (int c = 0; c < sockets.size(); c++) {
        WebSocket socket = sockets.get(c);
        int connection = c;
        Thread sender = new Thread(() -> {
          for (int i = 0; i < 2000; i++) {
            try {
              socket.sendText("c" + connection + " m" + i, true).get(5, TimeUnit.SECONDS);
            } catch (Exception closing) {
              return; // the server has begun closing: it no longer accepts messages
            }
          }
        });
        sender.start();
        senders.add(sender);
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (recorders.stream().anyMatch(r -> r.echoes.size() < 5) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long signalled = System.nanoTime();
      int exit = service.stop(); // SIGTERM
      long tookMs = (System.nanoTime() - signalled) / 1_000_000;

      assertThat(exit).isZero();
      assertThat(tookMs).isLessThan(10_000);
      for (int c = 0; c < recorders.size(); c++) {
        Recorder recorder = recorders.get(c);
        assertThat(recorder.closeCode.get(10, TimeUnit.SECONDS)).as("connection " + c).isEqualTo(1001);
        // The echoes are exactly the first N messages sent, in order: none lost, none out of order.
        List<String> echoes = recorder.echoes;
        assertThat(echoes).as("connection " + c + " echoed something before the drain").isNotEmpty();
        for (int i = 0; i < echoes.size(); i++) {
          assertThat(echoes.get(i)).isEqualTo("c" + c + " m" + i);
        }
      }
      for (Thread sender : senders) {
        sender.join(10_000);
      }
      assertThat(service.stdout()).anyMatch(line -> line.contains("draining: closing 10 WebSocket connections with 1001"));
      assertThat(service.stdout()).anyMatch(line -> line.contains("stopped"));
    }
  }

  @Test
  void jsonLogFormatWritesOneJsonObjectPerLine() throws Exception {
    int port = TestService.freePort();
    try (ServiceProcess service = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(port), "LOG_FORMAT", "json"), List.of())) {
      service.awaitStdout(line -> line.contains("listening on"), START);
      CompletableFuture<String> echoed = new CompletableFuture<>();
      WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/echo"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
              echoed.complete(data.toString());
              return null;
            }
          }).get(10, TimeUnit.SECONDS);
      ws.sendText("json \"quoted\" line", true);
      assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("json \"quoted\" line");
      String line = service.awaitStdout(l -> l.contains("sent: json"), START);
      JsonObject entry = new JsonObject(line);
      assertThat(entry.getString("loggerName")).isEqualTo("wsecho.messages");
      assertThat(entry.getString("formattedMessage")).matches("127\\.0\\.0\\.1:\\d+ sent: json \"quoted\" line");
      assertThat(entry.getString("level")).isEqualTo("INFO");
      assertThat(service.stop()).isZero();
      assertThat(service.stdout()).allSatisfy(l -> assertThat(new JsonObject(l)).isNotNull());
    }
  }
}
