package wsecho.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Any method on {@code /http/echo} and below: the request as the server received it, as JSON
 * (method, path, query, headers in their order and case, the body as text or, when it is not
 * UTF-8, as base64, and the client address), or with {@code ?format=raw} the body itself with its
 * own content type. Bodies over {@code http.maxBodySize} get 413 from the body handler before
 * this runs. The HTTP twin of the WebSocket echo, for testing what an ingress does to requests.
 */
public final class HttpEcho implements Handler<RoutingContext> {

  private final ClientAddress clientAddress;

  public HttpEcho(ClientAddress clientAddress) {
    this.clientAddress = clientAddress;
  }

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    Buffer body = rc.body().buffer();
    if (body == null) {
      body = Buffer.buffer();
    }
    if ("raw".equals(request.getParam("format"))) {
      String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
      rc.response()
          .putHeader(HttpHeaders.CONTENT_TYPE, type != null ? type : "application/octet-stream")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .end(body);
      return;
    }
    String text = utf8(body);
    JsonObject echo = new JsonObject()
        .put("method", request.method().name())
        .put("path", request.path())
        .put("query", request.query())
        .put("headers", RequestJson.headers(request))
        .put("bodyBytes", body.length())
        .put("body", text)
        .put("bodyBase64", text == null ? Base64.getEncoder().encodeToString(body.getBytes()) : null)
        .put("client", clientAddress.describe(request));
    RequestJson.send(rc, echo);
  }

  /** The body as text when it is valid UTF-8, else null. */
  private static String utf8(Buffer body) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body.getBytes())).toString();
    } catch (CharacterCodingException notText) {
      return null;
    }
  }
}
