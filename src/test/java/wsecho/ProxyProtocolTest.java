package wsecho;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** With http.proxyProtocol, a connection that does not finish its PROXY header in time is cut like a slow handshake. */
@ExtendWith(VertxExtension.class)
class ProxyProtocolTest {

  private int port;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext context) {
    TestService.start(vertx, new JsonObject().put("http", new JsonObject().put("proxyProtocol", true).put("handshakeTimeoutMs", 500)))
        .onComplete(context.succeeding(started -> {
          port = started.port();
          context.completeNow();
        }));
  }

  @Test
  void aSilentConnectionIsCutAtTheHandshakeTimeout() throws IOException {
    assertThat(waitForClose(null)).as("cut at http.handshakeTimeoutMs (500 ms), not Vert.x's 10 s").isBetween(400L, 2000L);
  }

  @Test
  void aHalfSentProxyHeaderIsCutAtTheHandshakeTimeout() throws IOException {
    assertThat(waitForClose("PROXY TCP4 203.0.113.7 ")).isBetween(400L, 2000L);
  }

  @Test
  void aRequestWithoutTheHeaderGetsNoAnswer() throws IOException {
    assertThat(waitForClose("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")).isLessThan(2000L);
  }

  /** Milliseconds until the server closes a connection that sent {@code first} (if any) and then nothing. */
  private long waitForClose(String first) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      long start = System.nanoTime();
      if (first != null) {
        socket.getOutputStream().write(first.getBytes(StandardCharsets.US_ASCII));
      }
      InputStream in = socket.getInputStream();
      int read;
      try {
        read = in.read();
      } catch (SocketException reset) {
        read = -1;
      }
      assertThat(read).as("closed without an answer").isEqualTo(-1);
      return (System.nanoTime() - start) / 1_000_000;
    }
  }
}
