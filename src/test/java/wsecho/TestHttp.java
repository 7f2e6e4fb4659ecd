package wsecho;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;

/**
 * HTTP requests from a test, answered with the whole response. The body is asked for in the same
 * callback that receives the response, which runs on the connection's event loop: a flat
 * {@code request().compose(send).compose(body)} chain built on a test thread can ask after the body
 * has arrived and been dropped, and then never completes (Vert.x 5.0.7; eclipse-vertx/vert.x#6038,
 * fixed in 5.0.x by #6071). That hung one CI run of RoutesTest in about 130.
 */
public final class TestHttp {

  private TestHttp() {}

  /** A response with its body read to the end. */
  public record Reply(int statusCode, MultiMap headers, Buffer body) {

    public String header(String name) {
      return headers.get(name);
    }
  }

  public static Future<Reply> send(HttpClient http, RequestOptions options) {
    return http.request(options).compose(request -> request.send().compose(TestHttp::read));
  }

  public static Future<Reply> send(HttpClient http, RequestOptions options, Buffer body) {
    return http.request(options).compose(request -> request.send(body).compose(TestHttp::read));
  }

  private static Future<Reply> read(io.vertx.core.http.HttpClientResponse response) {
    return response.body().map(body -> new Reply(response.statusCode(), response.headers(), body));
  }
}
