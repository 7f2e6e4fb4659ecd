package wsecho;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class RoutesTest {

  private HttpClient http;
  private int port;

  private Vertx another;

  @AfterEach
  void closeAnother() throws Exception {
    if (another != null) {
      another.close().toCompletionStage().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @BeforeEach
  void startService(Vertx vertx, VertxTestContext context) {
    http = vertx.createHttpClient();
    TestService.start(vertx).onComplete(context.succeeding(started -> {
      port = started.port();
      context.completeNow();
    }));
  }

  private RequestOptions request(HttpMethod method, String uri) {
    return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
  }

  private Future<TestHttp.Reply> get(String uri) {
    return TestHttp.send(http, request(HttpMethod.GET, uri));
  }

  @Test
  void servesThePageAsHtmlWithTheDomContract(VertxTestContext context) {
    get("/ws/echo_display").onComplete(context.succeeding(page -> context.verify(() -> {
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.header("Content-Type")).startsWith("text/html");
      assertThat(page.body().toString())
          .contains("id=\"status\"", "id=\"input\"", "id=\"send\"", "id=\"output\"");
      context.completeNow();
    })));
  }

  @Test
  void thePageLoadsItsFilesByRelativeUrlsFromUnderItsOwnPath(VertxTestContext context) {
    get("/ws/echo_display")
        .compose(page -> {
          context.verify(() -> assertThat(page.body().toString())
              .doesNotContain("href=\"/", "src=\"/", "http://", "https://")
              .contains("href=\"echo_display/style.css\"", "src=\"echo_display/app.js\"", "href=\"echo_display/favicon.ico\""));
          return Future.all(asset("/ws/echo_display/style.css", "text/css"), asset("/ws/echo_display/app.js", "javascript"),
              asset("/ws/echo_display/favicon.ico", "image/"), asset("/ws/echo_display/config", "application/json"));
        })
        .compose(all -> get("/ws/echo_display/"))
        .onComplete(context.succeeding(slash -> context.verify(() -> {
          assertThat(slash.statusCode()).isEqualTo(302);
          assertThat(slash.header("Location")).isEqualTo("../echo_display");
          context.completeNow();
        })));
  }

  private Future<Void> asset(String path, String type) {
    return get(path).map(response -> {
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(response.header("Content-Type")).as(path).contains(type);
      return null;
    });
  }

  @Test
  void infoTellsWhoAnsweredAndShowsTheRequestAsItArrived(VertxTestContext context) {
    Future.all(info("/info"), info("/ws/echo_display/info")).onComplete(context.succeeding(both -> context.verify(() -> {
      for (int i = 0; i < 2; i++) {
        io.vertx.core.json.JsonObject info = both.resultAt(i);
        assertThat(info.getString("service")).isEqualTo("ws-echo");
        assertThat(info.getString("vertx")).isEqualTo("5.0.7");
        assertThat(info.getString("engine")).isEqualTo("strict");
        assertThat(info.getString("host")).isNotBlank();
        assertThat(info.getInteger("instance")).isEqualTo(1);
        assertThat(info.getLong("uptimeSeconds")).isNotNegative();
        assertThat(info.getJsonObject("client").getString("peer")).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(info.getJsonObject("client").getString("forwarded")).as("no trusted proxy").isNull();
        // Exactly as received: names in their own case, repeated headers kept, in order.
        assertThat(info.getJsonObject("request").getJsonArray("headers").encode())
            .contains("[\"X-Ingress-Test\",\"first\"],[\"x-ingress-test\",\"second\"]");
        assertThat(info.getJsonObject("request").getJsonArray("headers").encode())
            .contains("[\"X-Forwarded-For\",\"6.6.6.6\"]");
      }
      context.completeNow();
    })));
  }

  private Future<io.vertx.core.json.JsonObject> info(String path) {
    return TestHttp.send(http, request(HttpMethod.GET, path)
            .addHeader("X-Ingress-Test", "first").addHeader("x-ingress-test", "second").addHeader("X-Forwarded-For", "6.6.6.6"))
        .map(response -> {
          assertThat(response.statusCode()).as(path).isEqualTo(200);
          assertThat(response.header("Content-Type")).as(path).isEqualTo("application/json");
          return response.body().toJsonObject();
        });
  }

  @Test
  void infoCanBeTurnedOff(VertxTestContext context) {
    another = Vertx.vertx(); // a second service: its own event bus and codecs
    TestService.start(another, new io.vertx.core.json.JsonObject().put("info", new io.vertx.core.json.JsonObject().put("enabled", false)))
        .compose(off -> TestHttp.send(http, new RequestOptions().setHost("127.0.0.1").setPort(off.port()).setURI("/info")))
        .onComplete(context.succeeding(response -> context.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(404);
          context.completeNow();
        })));
  }

  @Test
  void theHttpEchoAnswersAnyMethodWithTheRequestAsJson(VertxTestContext context) {
    byte[] notText = {(byte) 0xff, 0x00, (byte) 0xfe};
    Future<io.vertx.core.json.JsonObject> text = httpEcho(HttpMethod.POST, "/http/echo?x=1&y=two", "text/plain", Buffer.buffer("héllo"))
        .map(r -> r.body().toJsonObject());
    Future<io.vertx.core.json.JsonObject> binary = httpEcho(HttpMethod.PUT, "/http/echo/deeper/path", "application/octet-stream",
        Buffer.buffer(notText)).map(r -> r.body().toJsonObject());
    Future<io.vertx.core.json.JsonObject> empty = httpEcho(HttpMethod.DELETE, "/http/echo", null, Buffer.buffer())
        .map(r -> r.body().toJsonObject());
    Future.all(text, binary, empty).onComplete(context.succeeding(all -> context.verify(() -> {
      io.vertx.core.json.JsonObject t = text.result();
      assertThat(t.getString("method")).isEqualTo("POST");
      assertThat(t.getString("path")).isEqualTo("/http/echo");
      assertThat(t.getString("query")).isEqualTo("x=1&y=two");
      assertThat(t.getString("body")).isEqualTo("héllo");
      assertThat(t.getInteger("bodyBytes")).isEqualTo(6);
      assertThat(t.getString("bodyBase64")).isNull();
      assertThat(t.getJsonArray("headers").encode()).contains("[\"Content-Type\",\"text/plain\"]");
      assertThat(t.getJsonObject("client").getString("address")).matches("127\\.0\\.0\\.1:\\d+");
      io.vertx.core.json.JsonObject b = binary.result();
      assertThat(b.getString("method")).isEqualTo("PUT");
      assertThat(b.getString("path")).isEqualTo("/http/echo/deeper/path");
      assertThat(b.getString("body")).as("not UTF-8").isNull();
      assertThat(java.util.Base64.getDecoder().decode(b.getString("bodyBase64"))).containsExactly(notText);
      assertThat(empty.result().getString("method")).isEqualTo("DELETE");
      assertThat(empty.result().getInteger("bodyBytes")).isZero();
      context.completeNow();
    })));
  }

  @Test
  void theHttpEchoAnswersTheRawBodyWithItsTypeAndRefusesBodiesOverTheLimit(VertxTestContext context) {
    Buffer svg = Buffer.buffer("<svg xmlns='http://www.w3.org/2000/svg'/>");
    httpEcho(HttpMethod.POST, "/http/echo?format=raw", "image/svg+xml", svg)
        .compose(raw -> {
          context.verify(() -> {
            assertThat(raw.statusCode()).isEqualTo(200);
            assertThat(raw.header("Content-Type")).isEqualTo("image/svg+xml");
            assertThat(raw.body()).isEqualTo(svg);
          });
          return httpEcho(HttpMethod.POST, "/http/echo", "application/octet-stream", Buffer.buffer(new byte[(1 << 20) + 1]));
        })
        .compose(tooBig -> {
          context.verify(() -> {
            assertThat(tooBig.statusCode()).isEqualTo(413);
            assertThat(tooBig.body().toString()).isEqualTo("request body over http.maxBodySize\n");
          });
          return httpEcho(HttpMethod.GET, "/http/echoes", null, Buffer.buffer());
        })
        .onComplete(context.succeeding(other -> context.verify(() -> {
          assertThat(other.statusCode()).as("only /http/echo and below").isEqualTo(404);
          context.completeNow();
        })));
  }

  private Future<TestHttp.Reply> httpEcho(HttpMethod method, String uri, String contentType, Buffer body) {
    RequestOptions options = request(method, uri);
    if (contentType != null) {
      options.addHeader("Content-Type", contentType);
    }
    return TestHttp.send(http, options, body);
  }

  @Test
  void redirectsTheRootToThePage(VertxTestContext context) {
    get("/").onComplete(context.succeeding(response -> context.verify(() -> {
      assertThat(response.statusCode()).isEqualTo(302);
      assertThat(response.header("Location")).as("relative: kept under a proxy's prefix").isEqualTo("ws/echo_display");
      context.completeNow();
    })));
  }

  @Test
  void answersUnknownPathsWith404(VertxTestContext context) {
    get("/no/such/path")
        .map(TestHttp.Reply::statusCode)
        .onComplete(context.succeeding(status -> context.verify(() -> {
          assertThat(status).isEqualTo(404);
          context.completeNow();
        })));
  }

  @Test
  void answersAPlainGetOnTheWebSocketPathWith426(VertxTestContext context) {
    get("/ws/echo").onComplete(context.succeeding(response -> context.verify(() -> {
      assertThat(response.statusCode()).isEqualTo(426);
      assertThat(response.header("Sec-WebSocket-Version")).isEqualTo("13");
      context.completeNow();
    })));
  }

  @Test
  void answersOtherMethodsOnTheWebSocketPathWith405(VertxTestContext context) {
    TestHttp.send(http, request(HttpMethod.POST, "/ws/echo"), Buffer.buffer("x"))
        .onComplete(context.succeeding(response -> context.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(405);
          assertThat(response.header("Allow")).isEqualTo("GET");
          context.completeNow();
        })));
  }
}
