package wsecho;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;

import java.util.function.Function;

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
    return exchange(http, options, HttpClientRequest::send);
  }

  public static Future<Reply> send(HttpClient http, RequestOptions options, Buffer body) {
    return exchange(http, options, request -> request.send(body));
  }

  private static Future<Reply> exchange(HttpClient http, RequestOptions options,
                                        Function<HttpClientRequest, Future<HttpClientResponse>> send) {
    return http.request(options).compose(request -> send.apply(request).compose(response ->
        response.body().map(body -> new Reply(response.statusCode(), response.headers(), body))));
  }
}
