package wsecho.logging;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogLineTest {

  @Test
  void formatsTextLikeTheGoOriginal() {
    EchoedMessage message = EchoedMessage.text(1, "127.0.0.1:5000", "hello", 256);
    assertThat(LoggingVerticle.format(message, 256)).isEqualTo("127.0.0.1:5000 sent: hello");
  }

  @Test
  void cutsLongTextAndGivesItsSize() {
    EchoedMessage message = EchoedMessage.text(1, "127.0.0.1:5000", "x".repeat(1000), 10);
    assertThat(message.text()).hasSize(10);
    assertThat(LoggingVerticle.format(message, 10)).isEqualTo("127.0.0.1:5000 sent: xxxxxxxxxx... (1000 chars)");
  }

  @Test
  void showsBinaryAsSizeAndHexOfTheFirst32Bytes() {
    byte[] bytes = new byte[100];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i + 0xf0);
    }
    EchoedMessage message = EchoedMessage.binary(1, "127.0.0.1:5000", Buffer.buffer(bytes));
    String line = LoggingVerticle.format(message, 256);
    assertThat(line).startsWith("127.0.0.1:5000 sent: [binary 100 bytes] f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102");
    assertThat(line.substring(line.indexOf("] ") + 2)).hasSize(64);
  }

  @Test
  void keepsAMessageWithNewlinesOnOneLine() {
    EchoedMessage message = EchoedMessage.text(1, "127.0.0.1:5000", "a\nFAKE sent: b\r\u0000", 256);
    assertThat(LoggingVerticle.format(message, 256))
        .isEqualTo("127.0.0.1:5000 sent: a\\nFAKE sent: b\\r\\u0000")
        .doesNotContain("\n");
  }
}
