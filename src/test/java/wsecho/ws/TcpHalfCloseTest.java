package wsecho.ws;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class TcpHalfCloseTest {

  @Test
  void reachesTheJdkSocketOfNettysNioChannels() {
    assertThat(TcpHalfClose.direct()).as("NioSocketChannel.javaChannel() found").isTrue();
  }

  @Test
  void thePeerReadsWhatWasWrittenThenEndOfStreamAndCanStillSend(Vertx vertx) throws Exception {
    CompletableFuture<String> receivedAfterShutdown = new CompletableFuture<>();
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      StringBuilder received = new StringBuilder();
      socket.handler(bytes -> received.append(bytes.toString(StandardCharsets.US_ASCII)));
      socket.endHandler(end -> receivedAfterShutdown.complete(received.toString()));
      socket.write(Buffer.buffer("bye")).onSuccess(written ->
          assertThat(TcpHalfClose.shutdownOutput(((NetSocketInternal) socket).channelHandlerContext().channel())).isTrue());
    });
    int port = server.listen(0, "127.0.0.1").await().actualPort();
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(10_000); // a socket left open: the read times out and fails the test
      InputStream in = client.getInputStream();
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("bye"); // then EOF
      client.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII)); // no reset: not closed
      client.shutdownOutput();
      assertThat(receivedAfterShutdown.get(10, TimeUnit.SECONDS)).isEqualTo("still here");
    }
  }
}
