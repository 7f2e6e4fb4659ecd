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

  @BeforeEach
  void startService(Vertx vertx, VertxTestContext context) {
    TestService.start(vertx, config()).onComplete(context.succeeding(s -> {
      started = s;
      port = s.port();
      context.completeNow();
    }));
  }

  /** The server answers with a close frame carrying the code, before anything else, then closes TCP. */
  static void assertClosedWith(RawClient client, int code) throws IOException {
    RawClient.Frame frame = client.read();
    assertThat(frame).as("a close frame, not a TCP drop").isNotNull();
    assertThat(frame.opcode()).as("the first frame after the violation is the close (nothing echoed)").isEqualTo(RawClient.CLOSE);
    assertThat(frame.closeCode()).isEqualTo(code);
    assertThat(client.serverClosedTcp()).as("the server closes TCP after its close frame").isTrue();
  }

  static void assertEchoes(RawClient client, int opcode, byte[] payload) throws IOException {
    RawClient.Frame echoed = client.readMessage();
    assertThat(echoed).isNotNull();
    assertThat(echoed.opcode()).isEqualTo(opcode);
    assertThat(echoed.payload()).isEqualTo(payload);
  }
}
