package wsecho.ws;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import wsecho.TestService;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class EchoTest {

  private int port;
  private WebSocketClient client;

  @BeforeEach
  void startService(Vertx vertx, VertxTestContext context) {
    client = TestService.client(vertx);
    TestService.start(vertx).onComplete(context.succeeding(started -> {
      port = started.port();
      context.completeNow();
    }));
  }

  private Future<WebSocket> connect() {
    return client.connect(port, "127.0.0.1", "/ws/echo");
  }

  /** Sends one text message and expects exactly that text back, as a text message. */
  private void assertTextEchoes(String message, VertxTestContext context) {
    connect().onComplete(context.succeeding(ws -> {
      ws.binaryMessageHandler(binary -> context.failNow("text came back as binary"));
      ws.textMessageHandler(echoed -> context.verify(() -> {
        assertThat(echoed).isEqualTo(message);
        context.completeNow();
      }));
      ws.writeTextMessage(message);
    }));
  }

  private void assertBinaryEchoes(Buffer message, VertxTestContext context) {
    connect().onComplete(context.succeeding(ws -> {
      ws.textMessageHandler(text -> context.failNow("binary came back as text"));
      ws.binaryMessageHandler(echoed -> context.verify(() -> {
        assertThat(echoed.getBytes()).isEqualTo(message.getBytes());
        context.completeNow();
      }));
      ws.writeBinaryMessage(message);
    }));
  }

  @Test
  void echoesTextAsText(VertxTestContext context) {
    assertTextEchoes("hello, echo", context);
  }

  @Test
  void echoesChineseAndEmojiExactly(VertxTestContext context) {
    assertTextEchoes("你好，世界 😀👍🏽 🇫🇷", context);
  }

  @Test
  void echoesEmptyTextAsEmptyText(VertxTestContext context) {
    assertTextEchoes("", context);
  }

  @Test
  void echoesBinaryAsBinary(VertxTestContext context) {
    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    assertBinaryEchoes(Buffer.buffer(bytes), context);
  }

  @Test
  void echoesEmptyBinaryAsEmptyBinary(VertxTestContext context) {
    assertBinaryEchoes(Buffer.buffer(), context);
  }

  @Test
  void echoesOneMebibyteBinaryMessage(VertxTestContext context) {
    byte[] bytes = new byte[1024 * 1024];
    new Random(42).nextBytes(bytes);
    assertBinaryEchoes(Buffer.buffer(bytes), context);
  }

  @Test
  void echoesOneMebibyteTextMessage(VertxTestContext context) {
    StringBuilder text = new StringBuilder(1024 * 1024);
    Random random = new Random(7);
    while (text.length() < 1024 * 1024) {
      text.append((char) ('a' + random.nextInt(26)));
    }
    assertTextEchoes(text.toString(), context);
  }

  @Test
  void echoesFragmentedTextAsOneMessage(VertxTestContext context) {
    // The second split falls inside the three UTF-8 bytes of 界: the server must join bytes, not strings.
    Buffer rest = Buffer.buffer("界 message".getBytes(StandardCharsets.UTF_8));
    connect().onComplete(context.succeeding(ws -> {
      ws.binaryMessageHandler(binary -> context.failNow("text came back as binary"));
      ws.textMessageHandler(echoed -> context.verify(() -> {
        assertThat(echoed).isEqualTo("fragmented 世界 message");
        context.completeNow();
      }));
      ws.writeFrame(WebSocketFrame.textFrame("fragmented 世", false));
      ws.writeFrame(WebSocketFrame.continuationFrame(rest.slice(0, 1), false));
      ws.writeFrame(WebSocketFrame.continuationFrame(rest.slice(1, rest.length()), true));
    }));
  }

  @Test
  void echoesFragmentedBinaryAsOneMessage(VertxTestContext context) {
    connect().onComplete(context.succeeding(ws -> {
      ws.binaryMessageHandler(echoed -> context.verify(() -> {
        assertThat(echoed.toString()).isEqualTo("onetwothree");
        context.completeNow();
      }));
      ws.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer("one"), false));
      ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("two"), false));
      ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("three"), true));
    }));
  }

  @Test
  void echoesEveryMessageInOrderOn200ConcurrentConnections(Vertx vertx, VertxTestContext context)
      throws InterruptedException {
    int connections = 200;
    int messages = 100;
    Checkpoint done = context.checkpoint(connections);
    for (int c = 0; c < connections; c++) {
      int connection = c;
      connect().onComplete(context.succeeding(ws -> {
        List<String> received = new ArrayList<>(messages);
        ws.textMessageHandler(echoed -> {
          received.add(echoed);
          if (received.size() == messages) {
            context.verify(() -> {
              for (int i = 0; i < messages; i++) {
                assertThat(received.get(i)).isEqualTo("connection " + connection + " message " + i);
              }
              ws.close();
              done.flag();
            });
          }
        });
        for (int i = 0; i < messages; i++) {
          ws.writeTextMessage("connection " + connection + " message " + i);
        }
      }));
    }
    assertThat(context.awaitCompletion(60, TimeUnit.SECONDS)).isTrue();
  }
}
