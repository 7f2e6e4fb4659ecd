package wsecho.ws;

import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class TcpCloseTest {

  /** pom.xml points vertx-junit5 at src/test/resources/vertx-options.json: the service's tests run on epoll. */
  @Test
  void theTestsVertxRunsTheServicesDefaultTransport(Vertx vertx) {
    assertThat(vertx.isNativeTransportEnabled()).as("native transport: %s", vertx.unavailableNativeTransportCause()).isTrue();
  }

  @Test
  void reachesTheJdkSocketOfNettysNioChannels() {
    assertThat(TcpClose.direct()).as("NioSocketChannel.javaChannel() found").isTrue();
  }

  /** Both transports the service runs on: NIO, and epoll (the default on Linux x86_64, where this runs). */
  @ParameterizedTest(name = "native transport {0}")
  @ValueSource(booleans = {false, true})
  void thePeerReadsWhatWasWrittenThenEndOfStreamAndCanStillSend(boolean nativeTransport) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(nativeTransport));
    try {
      assertThat(vertx.isNativeTransportEnabled()).as("native transport loaded: %s", vertx.unavailableNativeTransportCause())
          .isEqualTo(nativeTransport);
      CompletableFuture<Class<?>> channelType = new CompletableFuture<>();
      CompletableFuture<String> receivedAfterShutdown = new CompletableFuture<>();
      NetServer server = vertx.createNetServer().connectHandler(socket -> {
        StringBuilder received = new StringBuilder();
        socket.handler(bytes -> received.append(bytes.toString(StandardCharsets.US_ASCII)));
        socket.endHandler(end -> receivedAfterShutdown.complete(received.toString()));
        io.netty.channel.Channel channel = ((NetSocketInternal) socket).channelHandlerContext().channel();
        channelType.complete(channel.getClass());
        socket.write(Buffer.buffer("bye")).onSuccess(written -> assertThat(TcpClose.shutdownOutput(channel)).isTrue());
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
      assertThat(channelType.get(10, TimeUnit.SECONDS)).isEqualTo(nativeTransport ? EpollSocketChannel.class : NioSocketChannel.class);
    } finally {
      vertx.close().await();
    }
  }
}
