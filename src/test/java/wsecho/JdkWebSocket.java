package wsecho;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A client that is not Vert.x: the JDK's own WebSocket, with whole messages put back together
 * (the JDK hands a large message over in parts) and the close code kept.
 */
public final class JdkWebSocket implements WebSocket.Listener {

  /** One whole message as it came back: {@code text} for a text message, {@code bytes} for binary. */
  public record Message(String text, byte[] bytes) {}

  private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  private final List<String> texts = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  private final StringBuilder textParts = new StringBuilder();
  private final ByteArrayOutputStream binaryParts = new ByteArrayOutputStream();
  private WebSocket socket;

  private JdkWebSocket() {}

  public static JdkWebSocket connect(String url) throws Exception {
    return connect(url, Map.of());
  }

  public static JdkWebSocket connect(String url, Map<String, String> headers) throws Exception {
    return connect(HttpClient.newHttpClient(), url, headers);
  }

  /** Through {@code http}: for wss://, a client that trusts the server's certificate. */
  public static JdkWebSocket connect(HttpClient http, String url, Map<String, String> headers) throws Exception {
    JdkWebSocket client = new JdkWebSocket();
    WebSocket.Builder builder = http.newWebSocketBuilder();
    headers.forEach(builder::header);
    client.socket = builder.buildAsync(URI.create(url), client).get(10, TimeUnit.SECONDS);
    return client;
  }

  public void sendText(String text) throws Exception {
    socket.sendText(text, true).get(10, TimeUnit.SECONDS);
  }

  /** One frame of a text message: {@code last} false leaves the message open for the next part. */
  public void sendTextPart(String part, boolean last) throws Exception {
    socket.sendText(part, last).get(10, TimeUnit.SECONDS);
  }

  public void sendBinary(byte[] bytes) throws Exception {
    socket.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
  }

  public void close(int code, String reason) throws Exception {
    socket.sendClose(code, reason).get(10, TimeUnit.SECONDS);
  }

  /** The next whole message, or an AssertionError after 10 s. */
  public Message next() throws InterruptedException {
    Message message = messages.poll(10, TimeUnit.SECONDS);
    if (message == null) {
      throw new AssertionError("no message within 10 s");
    }
    return message;
  }

  /** Every text message received so far, in order. */
  public List<String> texts() {
    return texts;
  }

  public int closeCode() throws Exception {
    return closeCode.get(10, TimeUnit.SECONDS);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    textParts.append(data);
    if (last) {
      String text = textParts.toString();
      textParts.setLength(0);
      texts.add(text);
      messages.add(new Message(text, null));
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    byte[] part = new byte[data.remaining()];
    data.get(part);
    binaryParts.writeBytes(part);
    if (last) {
      messages.add(new Message(null, binaryParts.toByteArray()));
      binaryParts.reset();
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeCode.complete(statusCode);
    return null; // the JDK client then answers the close
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closeCode.completeExceptionally(error);
  }
}
