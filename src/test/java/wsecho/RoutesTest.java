package wsecho;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
class RoutesTest {

  private HttpClient http;
  private int port;

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

  @Test
  void servesThePageAsHtmlWithTheDomContract(VertxTestContext context) {
    http.request(request(HttpMethod.GET, "/ws/echo_display"))
        .compose(req -> req.send())
        .compose(response -> response.body().map(body -> {
          context.verify(() -> {
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.getHeader("Content-Type")).startsWith("text/html");
            assertThat(body.toString())
                .contains("id=\"status\"", "id=\"input\"", "id=\"send\"", "id=\"output\"");
          });
          return body;
        }))
        .onComplete(context.succeedingThenComplete());
  }

  @Test
  void thePageLoadsItsFilesByRelativeUrlsFromUnderItsOwnPath(VertxTestContext context) {
    http.request(request(HttpMethod.GET, "/ws/echo_display"))
        .compose(req -> req.send()).compose(response -> response.body())
        .compose(page -> {
          context.verify(() -> assertThat(page.toString())
              .doesNotContain("href=\"/", "src=\"/", "http://", "https://")
              .contains("href=\"echo_display/style.css\"", "src=\"echo_display/app.js\"", "href=\"echo_display/favicon.ico\""));
          return Future.all(asset("/ws/echo_display/style.css", "text/css"), asset("/ws/echo_display/app.js", "javascript"),
              asset("/ws/echo_display/favicon.ico", "image/"), asset("/ws/echo_display/config", "application/json"));
        })
        .compose(all -> http.request(request(HttpMethod.GET, "/ws/echo_display/")).compose(req -> req.send()))
        .onComplete(context.succeeding(slash -> context.verify(() -> {
          assertThat(slash.statusCode()).isEqualTo(302);
          assertThat(slash.getHeader("Location")).isEqualTo("../echo_display");
          context.completeNow();
        })));
  }

  private Future<Void> asset(String path, String type) {
    return http.request(request(HttpMethod.GET, path)).compose(req -> req.send()).map(response -> {
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(response.getHeader("Content-Type")).as(path).contains(type);
      return null;
    });
  }

  @Test
  void redirectsTheRootToThePage(VertxTestContext context) {
    http.request(request(HttpMethod.GET, "/"))
        .compose(req -> req.send())
        .onComplete(context.succeeding(response -> context.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(302);
          assertThat(response.getHeader("Location")).as("relative: kept under a proxy's prefix").isEqualTo("ws/echo_display");
          context.completeNow();
        })));
  }

  @Test
  void answersUnknownPathsWith404(VertxTestContext context) {
    http.request(request(HttpMethod.GET, "/no/such/path"))
        .compose(req -> req.send())
        .map(HttpClientResponse::statusCode)
        .onComplete(context.succeeding(status -> context.verify(() -> {
          assertThat(status).isEqualTo(404);
          context.completeNow();
        })));
  }

  @Test
  void answersAPlainGetOnTheWebSocketPathWith426(VertxTestContext context) {
    http.request(request(HttpMethod.GET, "/ws/echo"))
        .compose(req -> req.send())
        .onComplete(context.succeeding(response -> context.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(426);
          assertThat(response.getHeader("Sec-WebSocket-Version")).isEqualTo("13");
          context.completeNow();
        })));
  }

  @Test
  void answersOtherMethodsOnTheWebSocketPathWith405(VertxTestContext context) {
    http.request(request(HttpMethod.POST, "/ws/echo"))
        .compose(req -> req.send("x"))
        .onComplete(context.succeeding(response -> context.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(405);
          assertThat(response.getHeader("Allow")).isEqualTo("GET");
          context.completeNow();
        })));
  }
}
