package wsecho.ws.conformance;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

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
      closeHandshakeFromTheClient(client);
      assertLingers(client);
    }
  }

  @Test
  @DisplayName("when the client answers the server's close, the server half-closes and reads on until the client's FIN")
  void anAnsweredServerCloseLingers() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      closeHandshakeFromTheServer(client);
      assertLingers(client);
    }
  }
}
