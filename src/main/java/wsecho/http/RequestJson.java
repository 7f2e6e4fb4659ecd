package wsecho.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** What /info and the HTTP echo share: the headers as received, and how the JSON answer goes out. */
final class RequestJson {

  private RequestJson() {}

  /** Every header as a [name, value] pair, names in their case, repeats in order. */
  static JsonArray headers(HttpServerRequest request) {
    JsonArray headers = new JsonArray();
    request.headers().forEach(header -> headers.add(new JsonArray().add(header.getKey()).add(header.getValue())));
    return headers;
  }

  /** Readable JSON, never cached: each answer is about the request that asked. */
  static void send(RoutingContext rc, JsonObject body) {
    rc.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encodePrettily());
  }
}
