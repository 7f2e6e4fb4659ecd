package wsecho.logging;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LogLineTest {

  private static EchoedMessage text(String whole, int previewBytes) {
    byte[] bytes = whole.getBytes(StandardCharsets.UTF_8);
    Buffer preview = Buffer.buffer(bytes).getBuffer(0, Math.min(previewBytes, bytes.length));
    return new EchoedMessage(1, "127.0.0.1:5000", false, preview, bytes.length);
  }

  @Test
  void formatsTextLikeTheGoOriginal() {
    assertThat(LoggingVerticle.format(text("hello", 1024), 256)).isEqualTo("127.0.0.1:5000 sent: hello");
  }

  @Test
  void cutsLongTextAndGivesItsSize() {
    assertThat(LoggingVerticle.format(text("x".repeat(1000), 40), 10))
        .isEqualTo("127.0.0.1:5000 sent: xxxxxxxxxx... (1000 bytes)");
  }

  @Test
  void neverCutsInsideACharacter() {
    // 7 bytes of preview end inside the third 3-byte character: it is left out, not mangled.
    assertThat(LoggingVerticle.format(text("你好世界", 7), 256)).isEqualTo("127.0.0.1:5000 sent: 你好... (12 bytes)");
    assertThat(LoggingVerticle.format(text("😀😀😀", 400), 3)).isEqualTo("127.0.0.1:5000 sent: 😀... (12 bytes)");
  }

  @Test
  void showsBinaryAsSizeAndHexOfTheFirst32Bytes() {
    byte[] bytes = new byte[32];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i + 0xf0);
    }
    EchoedMessage message = new EchoedMessage(1, "127.0.0.1:5000", true, Buffer.buffer(bytes), 100);
    String line = LoggingVerticle.format(message, 256);
    assertThat(line).startsWith("127.0.0.1:5000 sent: [binary 100 bytes] f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102");
    assertThat(line.substring(line.indexOf("] ") + 2)).hasSize(64);
  }

  @Test
  void keepsAMessageWithNewlinesOnOneLine() {
    assertThat(LoggingVerticle.format(text("a\nFAKE sent: b\r\u0000", 1024), 256))
        .isEqualTo("127.0.0.1:5000 sent: a\\nFAKE sent: b\\r\\u0000")
        .doesNotContain("\n");
  }
}
