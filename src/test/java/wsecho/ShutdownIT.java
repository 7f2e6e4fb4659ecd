package wsecho;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** SIGTERM on the real jar: drain, close 1001 after the echoes, exit 0. And the JSON log format. */
class ShutdownIT {

  private static final Duration START = Duration.ofSeconds(30);

  @ParameterizedTest(name = "engine {0}")
  @ValueSource(strings = {"strict", "vertx"})
  void sigtermClosesEveryWebSocketWith1001AfterItsEchoesAndExits0(String engine) throws Exception {
    int port = TestService.freePort();
    try (ServiceProcess service = ServiceProcess.start(Map.of("HTTP_PORT", String.valueOf(port), "LOG_MESSAGES", "false",
        "WEBSOCKET_ENGINE", engine), List.of())) {
      service.awaitStdout(line -> line.contains("listening on"), START);
      List<JdkWebSocket> clients = new ArrayList<>();
      for (int c = 0; c < 10; c++) {
        clients.add(JdkWebSocket.connect("ws://127.0.0.1:" + port + "/ws/echo"));
      }
      // Messages are in flight on every connection when the signal arrives.
      List<Thread> senders = new ArrayList<>();
      for (int c = 0; c < clients.size(); c++) {
        JdkWebSocket client = clients.get(c);
        int connection = c;
        Thread sender = new Thread(() -> {
          for (int i = 0; i < 2000; i++) {
            try {
              client.sendText("c" + connection + " m" + i);
            } catch (Exception closing) {
              return; // the server has begun closing: it no longer accepts messages
            }
          }
        });
        sender.start();
        senders.add(sender);
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (clients.stream().anyMatch(client -> client.texts().size() < 5) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long signalled = System.nanoTime();
      int exit = service.stop(); // SIGTERM
      long tookMs = (System.nanoTime() - signalled) / 1_000_000;

      assertThat(exit).isZero();
      assertThat(tookMs).isLessThan(10_000);
      for (int c = 0; c < clients.size(); c++) {
        JdkWebSocket client = clients.get(c);
        assertThat(client.closeCode()).as("connection " + c).isEqualTo(1001);
        // The echoes are exactly the first N messages sent, in order: none lost, none out of order.
        List<String> echoes = client.texts();
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
      JdkWebSocket ws = JdkWebSocket.connect("ws://127.0.0.1:" + port + "/ws/echo");
      ws.sendText("json \"quoted\" line");
      assertThat(ws.next().text()).isEqualTo("json \"quoted\" line");
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
