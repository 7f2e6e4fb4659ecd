package wsecho.ws;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import wsecho.TestService;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the opening handshake against a real server: whatever request head
 * arrives on the WebSocket path, the answer is one of the documented statuses, never a hang or a
 * dropped connection. The corpus is under {@code src/test/resources/wsecho/ws/HandshakeFuzzTestInputs/}.
 */
class HandshakeFuzzTest {

  private static final Set<Integer> DOCUMENTED = Set.of(101, 400, 403, 405, 426, 431, 501);
  private static final List<String> METHODS = List.of("GET", "POST", "HEAD", "OPTIONS", "PUT", "get", "CONNECT");
  private static final List<String> VERSIONS = List.of("HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/2.0");
  private static final List<String> HEADERS = List.of("Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
      "Sec-WebSocket-Version", "Origin", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Content-Length",
      "Transfer-Encoding", "Expect");
  private static int port;

  private static synchronized int port() throws Exception {
    if (port == 0) {
      Vertx vertx = Vertx.vertx();
      port = TestService.start(vertx, new JsonObject().put("log", new JsonObject().put("messages", false)))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).port();
    }
    return port;
  }

  @FuzzTest
  void anyRequestHeadOnTheWebSocketPathGetsADocumentedStatus(FuzzedDataProvider data) throws Exception {
    StringBuilder head = new StringBuilder();
    head.append(data.pickValue(METHODS)).append(' ').append("/ws/echo");
    if (data.consumeBoolean()) {
      head.append('?').append(data.consumeAsciiString(20).replaceAll("[\\s]", ""));
    }
    head.append(' ').append(data.pickValue(VERSIONS)).append("\r\n");
    int headers = data.consumeInt(0, 12);
    for (int i = 0; i < headers; i++) {
      String name = data.consumeBoolean() ? data.pickValue(HEADERS) : data.consumeAsciiString(12);
      head.append(name).append(": ").append(data.consumeString(60)).append("\r\n");
    }
    head.append("\r\n");
    byte[] request = head.toString().getBytes(StandardCharsets.UTF_8);

    int port = port();
    try (AutoCloseable loopbackOnly = allowLoopback(); Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(request);
      socket.getOutputStream().flush();
      String statusLine = readLine(socket.getInputStream());
      assertThat(statusLine).as("a status line for:\n" + head).startsWith("HTTP/");
      int status = Integer.parseInt(statusLine.split(" ")[1]);
      assertThat(DOCUMENTED).as("status %d for:%n%s", status, head).contains(status);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no answer within 5 s for:\n" + head, e);
    }
  }

  /** This test's own connections to the server under test are not server-side request forgery. */
  private static AutoCloseable allowLoopback() {
    try {
      SilentCloseable allowed = BugDetectors.allowNetworkConnections(
          (host, port) -> host.equals("localhost") || host.startsWith("127."));
      return allowed::close;
    } catch (IllegalStateException noBugDetectors) {
      return () -> { }; // replaying the corpus without Jazzer's agent: nothing to allow
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      line.write(b);
    }
    return line.toString(StandardCharsets.ISO_8859_1).trim();
  }
}
