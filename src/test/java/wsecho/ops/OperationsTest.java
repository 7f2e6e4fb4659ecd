package wsecho.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import wsecho.EchoService;
import wsecho.TestHttp;
import wsecho.TestService;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Health, metrics, drain and TLS against the real service, with Vert.x metrics on as in Main. */
@ExtendWith(VertxExtension.class)
class OperationsTest {

  private Vertx vertx;
  private HttpClient http;
  private WebSocketClient ws;
  private EchoService.Started started;

  private Future<EchoService.Started> start(JsonObject config) {
    EchoMetrics metrics = new EchoMetrics();
    vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(metrics.registry()))
        .build();
    http = vertx.createHttpClient(new HttpClientOptions().setTrustAll(true).setVerifyHost(false));
    ws = vertx.createWebSocketClient(new WebSocketClientOptions().setTrustAll(true).setVerifyHost(false));
    return EchoService.deploy(vertx, TestService.config(config), metrics).onSuccess(s -> started = s);
  }

  private static JsonObject onEngine(JsonObject config, String engine) {
    return config.put("websocket", new JsonObject().put("engine", engine));
  }

  @AfterEach
  void close() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private Future<TestHttp.Reply> get(String uri) {
    return TestHttp.send(http, new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(started.port()).setURI(uri));
  }

  private Future<JsonObject> getJson(String uri, int expectedStatus) {
    return get(uri).map(response -> {
      assertThat(response.statusCode()).as(uri).isEqualTo(expectedStatus);
      assertThat(response.header("Content-Type")).startsWith("application/json");
      return response.body().toJsonObject();
    });
  }

  private Future<String> echo(String message) {
    return ws.connect(started.port(), "127.0.0.1", "/ws/echo").compose(socket -> {
      io.vertx.core.Promise<String> echoed = io.vertx.core.Promise.promise();
      socket.textMessageHandler(echoed::tryComplete);
      socket.writeTextMessage(message);
      return echoed.future().andThen(done -> socket.close());
    });
  }

  @Test
  void livenessAndReadinessAnswer200WithJson(VertxTestContext context) {
    start(new JsonObject())
        .compose(s -> getJson("/health/live", 200))
        .compose(live -> {
          assertThat(live.getString("outcome")).isEqualTo("UP");
          return getJson("/health/ready", 200);
        })
        .onComplete(context.succeeding(ready -> context.verify(() -> {
          assertThat(ready.getString("outcome")).isEqualTo("UP");
          context.completeNow();
        })));
  }

  @Test
  void drainingTurnsReadinessTo503AndRefusesNewHandshakesWith503(VertxTestContext context) {
    start(new JsonObject())
        .compose(s -> {
          s.drain();
          return getJson("/health/ready", 503);
        })
        .compose(ready -> {
          assertThat(ready.getString("outcome")).isEqualTo("DOWN");
          return getJson("/health/live", 200);
        })
        .compose(live -> ws.connect(started.port(), "127.0.0.1", "/ws/echo").map(socket -> 101).recover(failure -> {
          assertThat(failure.getMessage()).contains("503");
          return Future.succeededFuture(503);
        }))
        .onComplete(context.succeeding(status -> context.verify(() -> {
          assertThat(status).isEqualTo(503);
          context.completeNow();
        })));
  }

  @ParameterizedTest(name = "engine {0}")
  @ValueSource(strings = {"strict", "vertx"})
  void drainClosesOpenWebSocketsWith1001(String engine, VertxTestContext context) {
    start(onEngine(new JsonObject(), engine))
        .compose(s -> ws.connect(started.port(), "127.0.0.1", "/ws/echo"))
        .compose(socket -> {
          io.vertx.core.Promise<Short> closed = io.vertx.core.Promise.promise();
          socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
          return started.drain().compose(drained -> closed.future());
        })
        .onComplete(context.succeeding(code -> context.verify(() -> {
          assertThat(code).isEqualTo((short) 1001);
          assertThat(started.shared().connections().open()).isZero();
          context.completeNow();
        })));
  }

  @ParameterizedTest(name = "engine {0}")
  @ValueSource(strings = {"strict", "vertx"})
  void metricsUsePrometheusNamesForTheServiceAndVertx(String engine, VertxTestContext context) {
    start(onEngine(new JsonObject(), engine))
        .compose(s -> echo("counted"))
        .compose(echoed -> get("/health/ready?origin=evil"))
        .compose(x -> ws.connect(new WebSocketConnectOptions().setPort(started.port()).setHost("127.0.0.1")
            .setURI("/ws/echo").addHeader("Origin", "https://evil.example")).recover(f -> Future.succeededFuture()))
        .compose(x -> vertx.timer(200).compose(t -> get("/metrics")))
        .map(response -> {
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(response.header("Content-Type")).startsWith("text/plain");
          return response.body().toString();
        })
        .onComplete(context.succeeding(text -> context.verify(() -> {
          assertThat(text)
              .contains("wsecho_connections_open ")
              .contains("wsecho_messages_received_total{type=\"text\"} 1.0")
              .contains("wsecho_messages_echoed_total{type=\"text\"} 1.0")
              .contains("wsecho_received_bytes_total{type=\"text\"} 7.0")
              .contains("wsecho_echoed_bytes_total{type=\"text\"} 7.0")
              .contains("wsecho_closes_total{code=\"1000\"} 1.0")
              .contains("wsecho_handshakes_refused_total{reason=\"origin\"} 1.0")
              .contains("wsecho_echo_duration_seconds_bucket{")
              .contains("wsecho_log_lines_dropped_total ")
              .contains("vertx_http_server_requests_total");
          context.completeNow();
        })));
  }

  @ParameterizedTest(name = "engine {0}")
  @ValueSource(strings = {"strict", "vertx"})
  void servesHttpsAndWssWithPemCertificateAndKey(String engine, VertxTestContext context) {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    JsonObject tls = new JsonObject().put("http", new JsonObject().put("tls", new JsonObject()
        .put("certPath", certificate.certificatePath()).put("keyPath", certificate.privateKeyPath())));
    start(onEngine(tls, engine))
        .compose(s -> TestHttp.send(http, new RequestOptions().setSsl(true).setHost("127.0.0.1").setPort(started.port())
            .setURI("/ws/echo_display")))
        .compose(page -> {
          assertThat(page.statusCode()).isEqualTo(200);
          return ws.connect(new WebSocketConnectOptions().setSsl(true).setHost("127.0.0.1").setPort(started.port())
              .setURI("/ws/echo"));
        })
        .compose(socket -> {
          io.vertx.core.Promise<Buffer> echoed = io.vertx.core.Promise.promise();
          assertThat(socket.isSsl()).isTrue();
          socket.binaryMessageHandler(echoed::tryComplete);
          socket.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
          return echoed.future();
        })
        .onComplete(context.succeeding(echoed -> context.verify(() -> {
          assertThat(echoed.getBytes()).containsExactly(1, 2, 3);
          context.completeNow();
        })));
  }
}
