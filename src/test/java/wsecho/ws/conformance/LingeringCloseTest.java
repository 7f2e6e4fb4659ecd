package wsecho.ws.conformance;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.CLOSE;
import static wsecho.ws.conformance.RawClient.TEXT;

/**
 * {@code websocket.lingeringClose} = {@code auto} (the default): after a clean close handshake the
 * server closes TCP at once; a client that may still be sending gets the lingering close instead
 * (half-close, and what it sends is read and dropped until its FIN or the close timeout).
 */
class LingeringCloseTest extends ConformanceBase {

  /** Far longer than any wait here: a connection gone within those waits was closed at once, not timed out. */
  static final int CLOSE_TIMEOUT_MS = 20_000;

  @Override
  protected JsonObject config() {
    return new JsonObject().put("websocket", new JsonObject().put("closeTimeoutMs", CLOSE_TIMEOUT_MS));
  }

  @Test
  @DisplayName("after the client's close is answered, the server closes TCP without waiting for the client's FIN")
  void aCleanCloseHandshakeClosesTcpAtOnce() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      closeHandshakeFromTheClient(client);
      // The client keeps its side open: only a full close frees the connection before the close timeout.
      assertThat(openConnectionsOnceAt(0, 5_000)).isZero();
    }
  }

  /**
   * The close frame and the FIN in one segment: one packet less per connection for both ends, and
   * the client reads the close frame and the end of the stream in one wake-up. Counted by the
   * kernel for the client's socket ({@code ss -ti}, segs_in); two segments arrive without the cork.
   */
  @Test
  @DisplayName("the server's close frame and its FIN reach the client in one TCP segment")
  void theCloseFrameAndTheFinShareOneSegment() throws Exception {
    Assumptions.assumeTrue(segmentsReceived(0) >= 0, "ss (iproute2) is needed to count segments");
    try (RawClient client = RawClient.open(port)) {
      assertTextEchoed(client, "hello");
      Thread.sleep(200); // the last ACKs of the echo have arrived
      long before = segmentsReceived(client.localPort());
      client.send(RawClient.CLOSE, RawClient.close(1000, new byte[0]));
      assertClosedWith(client, 1000);
      assertThat(segmentsReceived(client.localPort()) - before).as("segments after the client's close frame").isEqualTo(1);
    }
  }

  /** segs_in of the local socket on this port, per ss; -1 when ss cannot be run (0: just that check). */
  private static long segmentsReceived(int localPort) throws Exception {
    Process ss;
    try {
      ss = new ProcessBuilder("ss", "-tinH", "sport = :" + localPort).redirectErrorStream(true).start();
    } catch (java.io.IOException missing) {
      return -1;
    }
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!ss.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || ss.exitValue() != 0) {
      return -1;
    }
    if (localPort == 0) {
      return 0;
    }
    java.util.regex.Matcher segments = java.util.regex.Pattern.compile("segs_in:(\\d+)").matcher(out);
    assertThat(segments.find()).as("ss output for port %d: %s", localPort, out).isTrue();
    return Long.parseLong(segments.group(1));
  }

  @Test
  @DisplayName("when the client answers the server's close, the server closes TCP without waiting for the client's FIN")
  void anAnsweredServerCloseClosesTcpAtOnce() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      closeHandshakeFromTheServer(client);
      assertThat(openConnectionsOnceAt(0, 5_000)).isZero();
    }
  }

  @Test
  @DisplayName("a client with bytes after its close frame gets the lingering close: what it still sends meets no reset")
  void bytesAfterTheCloseFrameGetTheLingeringClose() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] close = client.encode(true, 0, CLOSE, RawClient.close(1000, new byte[0]), true);
      byte[] after = client.encode(true, 0, TEXT, "after the close".getBytes(StandardCharsets.UTF_8), true);
      byte[] both = java.util.Arrays.copyOf(close, close.length + after.length);
      System.arraycopy(after, 0, both, close.length, after.length);
      client.sendRaw(both);
      assertClosedWith(client, 1000);
      assertLingers(client);
    }
  }

  @Test
  @DisplayName("a client refused mid-stream gets the lingering close: what it still sends meets no reset")
  void aRefusalGetsTheLingeringClose() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(true, 0, TEXT, "not masked".getBytes(StandardCharsets.UTF_8), false);
      assertClosedWith(client, 1002);
      assertLingers(client);
    }
  }
}
