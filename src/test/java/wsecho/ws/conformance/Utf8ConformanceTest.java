package wsecho.ws.conformance;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static wsecho.ws.conformance.RawClient.CONTINUATION;
import static wsecho.ws.conformance.RawClient.TEXT;

/** RFC 6455 8.1 and RFC 3629, as in Autobahn|Testsuite section 6. */
class Utf8ConformanceTest extends ConformanceBase {

  private static final String VALID = "κόσμε 你好 😀 \u0000 \u007f \u0080 \u07ff \u0800 \uffff \uD800\uDC00 \uDBFF\uDFFF";

  @Test
  @DisplayName("6.2 valid UTF-8 split at every byte boundary across two fragments echoes exactly")
  void case6_2_validUtf8SplitAtEveryByteEchoes() throws Exception {
    byte[] utf8 = VALID.getBytes(StandardCharsets.UTF_8);
    try (RawClient client = RawClient.open(port)) {
      // On Vert.x the split at 0 (an empty first fragment) goes last: see below.
      for (int i = 0; i <= utf8.length; i++) {
        int split = onVertx() ? (i + 1) % (utf8.length + 1) : i;
        byte[] head = java.util.Arrays.copyOfRange(utf8, 0, split);
        byte[] tail = java.util.Arrays.copyOfRange(utf8, split, utf8.length);
        client.send(false, 0, TEXT, head, true);
        client.send(true, 0, CONTINUATION, tail, true);
        if (onVertx() && split == 0) {
          // Vert.x 5.0.7 loses a text message whose first fragment is empty (its aggregator keeps the
          // empty frame's buffer, which cannot grow), and with it every later text message on the
          // connection; binary messages still echo.
          assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo("open");
          client.sendText("after");
          assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo("open");
          client.send(RawClient.BINARY, new byte[] {1, 2, 3});
          assertEchoes(client, RawClient.BINARY, new byte[] {1, 2, 3});
          continue;
        }
        assertEchoes(client, TEXT, utf8);
      }
    }
  }

  @Test
  @DisplayName("6.4 valid UTF-8 one byte per fragment echoes exactly")
  void case6_4_oneBytePerFragment() throws Exception {
    byte[] utf8 = VALID.getBytes(StandardCharsets.UTF_8);
    try (RawClient client = RawClient.open(port)) {
      for (int i = 0; i < utf8.length; i++) {
        client.send(i == utf8.length - 1, 0, i == 0 ? TEXT : CONTINUATION, new byte[] {utf8[i]}, true);
      }
      assertEchoes(client, TEXT, utf8);
    }
  }

  @ParameterizedTest(name = "6.x invalid UTF-8 {0}: 1007")
  @ValueSource(strings = {
      "c0af",           // overlong '/'
      "e080af",         // overlong, 3 bytes
      "f08080af",       // overlong, 4 bytes
      "eda080",         // surrogate U+D800
      "edbfbf",         // surrogate U+DFFF
      "f4908080",       // U+110000, above the last code point
      "f8888080af",     // 5-byte form
      "fe", "ff",       // never in UTF-8
      "80",             // lone continuation byte
      "ce",             // truncated at the end of the message
      "e282",           // truncated 3-byte sequence
      "cebae1bdb9cf83cebcceb5eda080656469746564", // 6.3.1: valid text, then a surrogate
  })
  void case6_invalidUtf8IsRefusedWith1007(String hex) throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(TEXT, HexFormat.of().parseHex(hex));
      // Vert.x decodes with replacement: the echo carries U+FFFD for the bad bytes.
      byte[] replaced = new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
      assertClosedWith(client, 1007, "text " + replaced.length + ", open");
    }
  }

  @Test
  @DisplayName("6.4.x invalid UTF-8 in the first fragment is refused at once, before the message ends")
  void case6_4_failsFastOnTheFirstBadFragment() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(false, 0, TEXT, HexFormat.of().parseHex("cebae1bdb9cf83cebcceb5f4908080"), true);
      // No more frames are sent: the server must not wait for the end of the message.
      client.timeout(3000);
      assertClosedWith(client, 1007, "open"); // Vert.x waits for the end of the message
    }
  }

  @Test
  @DisplayName("6.x invalid UTF-8 in a later fragment: 1007 after the earlier fragments' echoes")
  void case6_invalidInALaterFragment() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      client.send(false, 0, TEXT, "fine".getBytes(StandardCharsets.UTF_8), true);
      client.send(true, 0, CONTINUATION, HexFormat.of().parseHex("eda080"), true);
      if (onVertx()) {
        assertThat(client.transcript(VERTX_QUIET_MS, false)).as("what Vert.x 5.0.7 does here").isEqualTo("text 7, open"); // whole at the end, U+FFFD for the bad bytes
        return;
      }
      RawClient.Frame first = client.read();
      assertThat(first.text()).isEqualTo("fine");
      assertClosedWith(client, 1007);
    }
  }

  @Test
  @DisplayName("binary messages are never checked as UTF-8")
  void binaryCarriesAnyBytes() throws Exception {
    try (RawClient client = RawClient.open(port)) {
      byte[] notText = HexFormat.of().parseHex("eda080fffe80c0af");
      client.send(RawClient.BINARY, notText);
      assertEchoes(client, RawClient.BINARY, notText);
    }
  }
}
