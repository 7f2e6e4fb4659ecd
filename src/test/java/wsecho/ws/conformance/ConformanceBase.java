package wsecho.ws.conformance;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import wsecho.EchoService;
import wsecho.TestService;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** A real service on a free port, and the assertions the conformance cases share. */
@ExtendWith(VertxExtension.class)
abstract class ConformanceBase {

  protected int port;
  protected EchoService.Started started;

  /** Config for this class's service, merged over the test defaults. */
  protected JsonObject config() {
    return new JsonObject();
  }

  /**
   * The engine under test: {@code strict} here; each class has a {@code ...OnVertxEngineTest}
   * subclass that runs the same cases on Vert.x's ServerWebSocket, where the cases that differ
   * assert what Vert.x 5.0.7 does instead.
   */
  protected String engine() {
    return "strict";
  }

  protected boolean onVertx() {
    return "vertx".equals(engine());
  }

  @BeforeEach
  void startService(Vertx vertx, VertxTestContext context) {
    JsonObject config = config().copy();
    JsonObject websocket = config.getJsonObject("websocket", new JsonObject());
    config.put("websocket", websocket.copy().put("engine", engine()));
    TestService.start(vertx, config).onComplete(context.succeeding(s -> {
      started = s;
      port = s.port();
      context.completeNow();
    }));
  }

  /** The server answers with a close frame carrying the code, before anything else, then closes TCP: on both engines. */
  void assertClosedWith(RawClient client, int code) throws IOException {
    RawClient.Frame frame = client.read();
    assertThat(frame).as("a close frame, not a TCP drop").isNotNull();
    assertThat(frame.opcode()).as("the first frame after the violation is the close (nothing echoed)").isEqualTo(RawClient.CLOSE);
    assertThat(frame.closeCode()).isEqualTo(code);
    assertThat(client.serverClosedTcp()).as("the server closes TCP after its close frame").isTrue();
  }

  /**
   * As {@link #assertClosedWith(RawClient, int)} on the strict engine; on Vert.x 5.0.7, which
   * answers this case differently, exactly {@code onVertx}: what it sent from here on, as
   * {@link RawClient#transcript} words it (pings left out). Asserted, so that a Vert.x upgrade that
   * changes it fails here and is seen.
   */
  void assertClosedWith(RawClient client, int code, String onVertx) throws IOException {
    if (onVertx()) {
      assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo(onVertx);
    } else {
      assertClosedWith(client, code);
    }
  }

  /** One echo, then the client closes with 1000: the close is answered and the server closes TCP. */
  void closeHandshakeFromTheClient(RawClient client) throws IOException {
    assertTextEchoed(client, "hello");
    client.send(RawClient.CLOSE, RawClient.close(1000, new byte[0]));
    assertClosedWith(client, 1000);
  }

  /** One echo, then the server closes with 1001 and the client answers: the server closes TCP. */
  void closeHandshakeFromTheServer(RawClient client) throws IOException {
    assertTextEchoed(client, "hello");
    started.echoes().get(0).endpoint().closeAll(1001, "going away");
    RawClient.Frame close = client.read();
    assertThat(close.opcode()).isEqualTo(RawClient.CLOSE);
    assertThat(close.closeCode()).isEqualTo(1001);
    client.send(RawClient.CLOSE, RawClient.close(1001, new byte[0]));
    assertThat(client.serverClosedTcp()).isTrue();
  }

  /** The service's count of open WebSockets once it is {@code n}, or after {@code timeoutMs} as it is then. */
  int openConnectionsOnceAt(int n, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (started.shared().connections().open() != n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return started.shared().connections().open();
  }

  /**
   * The server half-closed and still reads: the client's sends after the close, 300 ms apart, get
   * no reset (a full close would answer the first with one, and the second would fail), and the
   * connection stays open until the client closes its side.
   */
  void assertLingers(RawClient client) throws Exception {
    client.sendText("still sending");
    Thread.sleep(300);
    client.sendText("and still");
    Thread.sleep(300);
    client.sendText("and still");
    assertThat(started.shared().connections().open()).as("lingering: open until the client's FIN").isEqualTo(1);
    client.close();
    assertThat(openConnectionsOnceAt(0, 5_000)).isZero();
  }

  /** How long the Vert.x engine must stay quiet for a transcript to end in "open". */
  static final int VERTX_QUIET_MS = 800;

  /** Sends the text and reads its echo, past any of the server's pings. */
  static void assertTextEchoed(RawClient client, String text) throws IOException {
    client.sendText(text);
    assertThat(client.readSkippingPings().text()).isEqualTo(text);
  }

  static void assertEchoes(RawClient client, int opcode, byte[] payload) throws IOException {
    RawClient.Frame echoed = client.readMessage();
    assertThat(echoed).isNotNull();
    assertThat(echoed.opcode()).isEqualTo(opcode);
    assertThat(echoed.payload()).isEqualTo(payload);
  }
}
