package wsecho.ws.conformance;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.CLOSE;

/** {@code websocket.lingeringClose} = {@code always}: every close is a half-close and a drain, as before {@code auto}. */
class LingeringCloseAlwaysTest extends ConformanceBase {

  @Override
  protected JsonObject config() {
    return new JsonObject().put("websocket", new JsonObject()
        .put("closeTimeoutMs", LingeringCloseTest.CLOSE_TIMEOUT_MS).put("lingeringClose", "always"));
  }

  @Test
  @DisplayName("after the client's close is answered, the server half-closes and reads on until the client's FIN")
  void aCleanCloseHandshakeLingers() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      assertTextEchoed(client, "hello");
      client.send(CLOSE, RawClient.close(1000, new byte[0]));
      assertClosedWith(client, 1000);
      assertLingers(client);
    }
  }

  @Test
  @DisplayName("when the client answers the server's close, the server half-closes and reads on until the client's FIN")
  void anAnsweredServerCloseLingers() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      assertTextEchoed(client, "hello");
      started.echoes().get(0).endpoint().closeAll(1001, "going away");
      RawClient.Frame close = client.read();
      assertThat(close.opcode()).isEqualTo(CLOSE);
      assertThat(close.closeCode()).isEqualTo(1001);
      client.send(CLOSE, RawClient.close(1001, new byte[0]));
      assertThat(client.serverClosedTcp()).isTrue();
      assertLingers(client);
    }
  }
}
