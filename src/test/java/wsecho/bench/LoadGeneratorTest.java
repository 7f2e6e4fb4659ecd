package wsecho.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import wsecho.EchoService;
import wsecho.TestService;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The load generator's checks work: a true echo passes, a wrong one is caught. No timing is asserted. */
class LoadGeneratorTest {

  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private int servicePort() throws Exception {
    return servicePort(new JsonObject());
  }

  private int servicePort(JsonObject config) throws Exception {
    return EchoService.deploy(vertx, TestService.config(config.copy().put("log", new JsonObject().put("messages", false))))
        .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS).port();
  }

  /** An echo server that gets one byte wrong in every tenth message. */
  private int brokenEchoPort() throws Exception {
    HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> {
      int[] count = {0};
      ws.binaryMessageHandler(message -> {
        Buffer echo = message.copy();
        if (++count[0] % 10 == 0) {
          echo.setByte(echo.length() - 1, (byte) (echo.getByte(echo.length() - 1) + 1));
        }
        ws.writeBinaryMessage(echo);
      });
      ws.textMessageHandler(text -> ws.writeBinaryMessage(Buffer.buffer(text))); // text back as binary: wrong type
    });
    return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
  }

  private static String[] args(int port, String... more) {
    return args("ws://127.0.0.1:" + port + "/ws/echo", more);
  }

  private static String[] args(String url, String... more) {
    String[] base = {"--url", url, "--duration", "1s", "--warmup", "200ms", "--quiet"};
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  /** Runs the load and returns its output, having checked that every echo was verified on all 2 connections. */
  private static String runVerified(String[] args) throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(run(args, output)).as(output.toString(StandardCharsets.UTF_8)).isZero();
    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(text).containsPattern("RESULT .* errors=0 mismatches=0 opened=2").doesNotContain("messages=0 ");
    return text;
  }

  private static int run(String[] args, ByteArrayOutputStream output) throws Exception {
    return new LoadGenerator(BenchOptions.parse(args), new PrintStream(output, true, StandardCharsets.UTF_8)).run();
  }

  @Test
  void verifiesEveryEchoOfTheRealServiceAndPrintsOneResultLine() throws Exception {
    int port = servicePort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(run(args(port, "--connections", "4", "--size", "100", "--window", "4"), output)).isZero();
    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(text).containsPattern("RESULT mode=echo size=100 type=text connections=4 window=4 writes=coalesced msgs_per_s=\\d+ .* errors=0 mismatches=0 opened=4");
    assertThat(text).doesNotContain("messages=0 ");
  }

  @Test
  void verifiesEveryEchoWhenEachMessageIsItsOwnWrite() throws Exception {
    int port = servicePort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(run(args(port, "--connections", "4", "--size", "2000", "--window", "8", "--binary", "--write-per-message"), output)).isZero();
    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("one TCP write per message");
    assertThat(text).containsPattern("RESULT mode=echo size=2000 type=binary connections=4 window=8 writes=per-message msgs_per_s=\\d+ .* errors=0 mismatches=0 opened=4");
    assertThat(text).doesNotContain("messages=0 ");
  }

  @Test
  void verifiesLargeTextEchoesThatComeBackInFragments() throws Exception {
    int port = servicePort();
    // 300 KB text arrives over several reads: the service echoes what each read checked as a fragment.
    runVerified(args(port, "--connections", "2", "--size", "300000", "--window", "2"));
  }

  @Test
  void sendsCompressedMessagesAndChecksTheServicesUncompressedEchoes() throws Exception {
    int port = servicePort();
    assertThat(runVerified(args(port, "--connections", "2", "--size", "4096", "--window", "2", "--deflate")))
        .contains("permessage-deflate on 2 of 2 connections");
  }

  @Test
  void inflatesCompressedEchoesBeforeCheckingThem() throws Exception {
    // Vert.x's server accepts permessage-deflate and compresses what it sends.
    HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> {
      ws.binaryMessageHandler(ws::writeBinaryMessage);
      ws.textMessageHandler(ws::writeTextMessage);
    });
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    for (String type : new String[] {"--binary", "--write-per-message"}) {
      assertThat(runVerified(args(port, "--connections", "2", "--size", "3000", "--window", "2", "--deflate", type)))
          .contains("permessage-deflate on 2 of 2 connections");
    }
  }

  @Test
  void holdsTheOpenLoopRate() throws Exception {
    int port = servicePort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(run(args(port, "--connections", "4", "--size", "64", "--rate", "400"), output)).isZero();
    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(text).contains("rate 400/s").containsPattern("RESULT .* writes=per-message .* errors=0 mismatches=0 opened=4");
    long messages = Long.parseLong(text.replaceAll("(?s).* messages=(\\d+) .*", "$1"));
    assertThat(messages).as("no more than the rate allows in the measured second").isBetween(1L, 600L);
  }

  @Test
  void catchesABinaryEchoWithOneWrongByte() throws Exception {
    int port = brokenEchoPort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(run(args(port, "--connections", "2", "--size", "64", "--window", "2", "--binary"), output)).isEqualTo(1);
    assertThat(output.toString(StandardCharsets.UTF_8)).containsPattern("mismatches=[1-9]");
  }

  @Test
  void countsAConnectionTheServerClosesWhileEchoesAreDue() throws Exception {
    HttpServer server = vertx.createHttpServer().webSocketHandler(ws -> {
      int[] count = {0};
      ws.binaryMessageHandler(message -> {
        if (++count[0] == 5) {
          ws.close((short) 1001, "going away");
        } else {
          ws.writeBinaryMessage(message);
        }
      });
    });
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(run(args(port, "--connections", "3", "--size", "64", "--window", "2", "--binary"), output)).isEqualTo(1);
    // Vert.x still echoes what was in flight behind the fifth message: past the missing echo those are out of order.
    assertThat(output.toString(StandardCharsets.UTF_8)).containsPattern("RESULT .* errors=3 mismatches=\\d+ opened=3");
  }

  @Test
  void countsAMaskedFrameFromTheServerAsAnError() throws Exception {
    // A server that accepts the upgrade (the accept value for the generator's fixed key, RFC 6455 1.3)
    // and answers every message with a masked frame, which no server may send.
    NetServer server = vertx.createNetServer().connectHandler(socket -> {
      boolean[] upgraded = {false};
      socket.handler(data -> {
        if (!upgraded[0]) {
          upgraded[0] = true;
          socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
        } else {
          socket.write(Buffer.buffer(new byte[] {(byte) 0x82, (byte) 0x81, 1, 2, 3, 4, 5}));
        }
      });
    });
    int port = server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(run(args(port, "--connections", "2", "--size", "64", "--window", "1", "--binary"), output)).isEqualTo(1);
    assertThat(output.toString(StandardCharsets.UTF_8)).containsPattern("RESULT .* messages=0 errors=2 mismatches=0 opened=2");
  }

  @Test
  void catchesTextEchoedAsBinary() throws Exception {
    int port = brokenEchoPort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(run(args(port, "--connections", "1", "--size", "32", "--window", "1"), output)).isEqualTo(1);
    assertThat(output.toString(StandardCharsets.UTF_8)).containsPattern("mismatches=[1-9]");
  }

  private static int handshakes(String[] args, ByteArrayOutputStream output) throws Exception {
    return new HandshakeBench(BenchOptions.parse(args), new PrintStream(output, true, StandardCharsets.UTF_8)).run();
  }

  @Test
  void handshakeLoopsCheckEveryConnectionOfTheRealServiceToItsTcpClose() throws Exception {
    int port = servicePort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(handshakes(args(port, "--handshakes", "--connections", "4"), output)).isZero();
    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(text).containsPattern("RESULT mode=handshakes handshakes_per_s=[1-9]\\d* failed=0 ");
  }

  private int tlsServicePort() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    return servicePort(new JsonObject().put("http", new JsonObject().put("tls", new JsonObject()
        .put("certPath", certificate.certificatePath()).put("keyPath", certificate.privateKeyPath()))));
  }

  @Test
  void echoesRunOverTlsAgainstTheRealService() throws Exception {
    int port = tlsServicePort();
    runVerified(args("wss://127.0.0.1:" + port + "/ws/echo", "--connections", "2", "--size", "70000", "--binary", "--window", "2"));
  }

  @Test
  void handshakeLoopsRunOverTlsAgainstTheRealService() throws Exception {
    int port = tlsServicePort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    String[] args = args("wss://127.0.0.1:" + port + "/ws/echo", "--handshakes", "--connections", "2");
    assertThat(handshakes(args, output)).as(output.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(output.toString(StandardCharsets.UTF_8)).containsPattern("RESULT mode=handshakes handshakes_per_s=[1-9]\\d* failed=0 ");
  }

  @Test
  void handshakeLoopsCountAWrongEchoAsAFailure() throws Exception {
    int port = brokenEchoPort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(handshakes(args(port, "--handshakes", "--connections", "2"), output)).isEqualTo(1);
    assertThat(output.toString(StandardCharsets.UTF_8)).containsPattern("RESULT mode=handshakes handshakes_per_s=0 failed=[1-9]");
  }

  @Test
  void handshakeLoopsCountARefusedUpgradeAsAFailure() throws Exception {
    int port = vertx.createHttpServer().requestHandler(request -> request.response().setStatusCode(404).end())
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    assertThat(handshakes(args(port, "--handshakes", "--connections", "2"), output)).isEqualTo(1);
    assertThat(output.toString(StandardCharsets.UTF_8)).containsPattern("RESULT mode=handshakes handshakes_per_s=0 failed=[1-9]");
  }

  @Test
  void slowReadersReadEveryEchoWholeAtTheirRate() throws Exception {
    int port = servicePort();
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    int exit = new SlowReaderBench(BenchOptions.parse(args(port, "--slow-read", "200000", "--connections", "2", "--size", "50000")),
        new PrintStream(output, true, StandardCharsets.UTF_8)).run();
    String text = output.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(text).isZero();
    // 2 connections at 200 kB/s for 1 s: several 50 kB echoes each, every byte checked.
    assertThat(text).containsPattern("RESULT mode=slow_read connections=2 size=50000 read_rate=200000 messages=([4-9]|\\d\\d) ");
    assertThat(text).contains("still_open=2 errors=0");
  }

  @Test
  void refusesBadArgumentsWithAClearMessage() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--connections", "10"}))
        .hasMessageContaining("--url");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--url", "ws://x/", "--size", "4"}))
        .hasMessageContaining("--size must be at least 16");
    assertThat(BenchOptions.parse(new String[] {"--url", "ws://h:1/p", "--duration", "1500ms"}).duration().toMillis()).isEqualTo(1500);
  }
}
