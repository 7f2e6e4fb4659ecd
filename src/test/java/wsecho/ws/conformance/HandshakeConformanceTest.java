package wsecho.ws.conformance;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 6455 section 4: the opening handshake, origin policy, subprotocols and connection limits. */
class HandshakeConformanceTest extends ConformanceBase {

  @Override
  protected JsonObject config() {
    return new JsonObject()
        .put("http", new JsonObject().put("handshakeTimeoutMs", 500).put("maxHeaderSize", 4096))
        .put("websocket", new JsonObject()
            .put("subprotocols", new JsonArray().add("echo.v2").add("echo.v1"))
            .put("allowedOrigins", new JsonArray().add("https://allowed.example"))
            .put("maxConnections", 3));
  }

  private RawClient.Response handshake(Map<String, String> headers) throws IOException {
    try (RawClient client = RawClient.handshake(port, headers)) {
      return client.response();
    }
  }

  private static Map<String, String> with(String name, String value) {
    Map<String, String> headers = new HashMap<>();
    headers.put(name, value);
    return headers;
  }

  @Test
  @DisplayName("a valid handshake gets 101 with the RFC's Sec-WebSocket-Accept")
  void validHandshakeIsAccepted() throws IOException {
    RawClient.Response response = handshake(with("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="));
    assertThat(response.status()).isEqualTo(101);
    assertThat(response.header("Sec-WebSocket-Accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); // RFC 6455 1.3
    assertThat(response.header("Upgrade")).isEqualToIgnoringCase("websocket");
    assertThat(response.header("Sec-WebSocket-Protocol")).isNull();
  }

  @Test
  @DisplayName("another Sec-WebSocket-Version, or none: 426 with Sec-WebSocket-Version: 13")
  void wrongOrMissingVersionIs426() throws IOException {
    for (String version : new String[] {"12", "8", null}) {
      RawClient.Response response = handshake(with("Sec-WebSocket-Version", version));
      assertThat(response.status()).as("version " + version).isEqualTo(426);
      assertThat(response.header("Sec-WebSocket-Version")).isEqualTo("13");
    }
  }

  @Test
  @DisplayName("a missing or malformed Sec-WebSocket-Key: 400")
  void missingOrMalformedKeyIs400() throws IOException {
    for (String key : new String[] {null, "", "not base64!", "c2hvcnQ=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
      assertThat(handshake(with("Sec-WebSocket-Key", key)).status()).as("key " + key).isEqualTo(400);
    }
  }

  @Test
  @DisplayName("no Host, or a Host Vert.x 5.0.7 fails to parse ('%' without two hex digits): 400, not a hang")
  void missingOrUnparsableHostIs400() throws IOException {
    assertThat(handshake(with("Host", null)).status()).isEqualTo(400);
    assertThat(handshake(with("Host", "%)webso")).status()).isEqualTo(400);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write("OPTIONS /ws/echo HTTP/1.0\r\nHost: %)s\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).endsWith("400");
    }
    try (RawClient page = RawClient.request(port, "GET", "/ws/echo_display", Map.of("Host", "a%zb"))) {
      assertThat(page.response().status()).isEqualTo(400);
    }
  }

  @Test
  @DisplayName("no Connection: Upgrade, or HTTP/1.0: 400")
  void missingConnectionUpgradeOrHttp10Is400() throws IOException {
    assertThat(handshake(with("Connection", null)).status()).isEqualTo(400);
    assertThat(handshake(with("Connection", "keep-alive")).status()).isEqualTo(400);
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(("GET /ws/echo HTTP/1.0\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String status = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(status).endsWith("400");
    }
  }

  @Test
  @DisplayName("not GET: 405")
  void notGetIs405() throws IOException {
    Map<String, String> headers = new HashMap<>(Map.of("Host", "127.0.0.1", "Upgrade", "websocket",
        "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==",
        "Content-Length", "0"));
    try (RawClient client = RawClient.request(port, "POST", "/ws/echo", headers)) {
      assertThat(client.response().status()).isEqualTo(405);
      assertThat(client.response().header("Allow")).isEqualTo("GET");
    }
  }

  @Test
  @DisplayName("a request head over http.maxHeaderSize: 431 or closed, never a hang")
  void oversizedHeadIsRefused() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /ws/echo HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(8000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(answer).satisfiesAnyOf(a -> assertThat(a).startsWith("HTTP/1.1 431"), a -> assertThat(a).isEmpty());
    } catch (java.net.SocketException reset) {
      // closed by the server: also an answer
    }
  }

  @Test
  @DisplayName("origin: none or same-origin accepted, listed accepted, any other 403")
  void originPolicy() throws IOException {
    assertThat(handshake(with("Origin", null)).status()).isEqualTo(101);
    assertThat(handshake(with("Origin", "http://127.0.0.1:" + port)).status()).isEqualTo(101);
    assertThat(handshake(with("Origin", "https://allowed.example")).status()).isEqualTo(101);
    assertThat(handshake(with("Origin", "https://evil.example")).status()).isEqualTo(403);
    assertThat(handshake(with("Origin", "http://127.0.0.1:" + (port + 1))).status()).isEqualTo(403);
    assertThat(handshake(with("Origin", "null")).status()).isEqualTo(403);
  }

  @Test
  @DisplayName("subprotocols: the client's first supported offer, never an unsupported one")
  void subprotocolNegotiation() throws IOException {
    assertThat(handshake(with("Sec-WebSocket-Protocol", "chat, echo.v1, echo.v2")).header("Sec-WebSocket-Protocol"))
        .isEqualTo("echo.v1");
    assertThat(handshake(with("Sec-WebSocket-Protocol", "chat, superchat")).header("Sec-WebSocket-Protocol")).isNull();
  }

  @Test
  @DisplayName("a client that sends its handshake too slowly is cut after http.handshakeTimeoutMs")
  void slowHandshakeIsCut() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      long start = System.nanoTime();
      out.write("GET /ws/echo HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      int read;
      try {
        read = in.read(); // the rest never comes
      } catch (java.net.SocketException reset) {
        read = -1;
      }
      long waitedMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(read).isEqualTo(-1);
      assertThat(waitedMs).as("cut at the timeout (500 ms), not a sweep period later").isBetween(480L, 1000L);
    }
  }

  @Test
  @DisplayName("past websocket.maxConnections: 503, and the open connections keep being served")
  void connectionLimit() throws IOException {
    List<RawClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(RawClient.open(port));
      }
      assertThat(handshake(Map.of()).status()).isEqualTo(503);
      for (RawClient client : open) {
        client.sendText("still served");
        assertEchoes(client, RawClient.TEXT, "still served".getBytes(StandardCharsets.UTF_8));
      }
      open.remove(0).close();
      // The slot comes back once the server has seen the close.
      long deadline = System.currentTimeMillis() + 5000;
      int status;
      do {
        try (RawClient again = RawClient.handshake(port, Map.of())) {
          status = again.response().status();
        }
      } while (status != 101 && System.currentTimeMillis() < deadline);
      assertThat(status).isEqualTo(101);
    } finally {
      for (RawClient client : open) {
        client.close();
      }
    }
  }
}
