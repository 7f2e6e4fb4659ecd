package wsecho.ws;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The opening handshake of RFC 6455 section 4.2: checks the client's request, and decides the
 * subprotocol and the permessage-deflate parameters (RFC 7692) of the answer.
 */
public final class WebSocketHandshake {

  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** What the server accepts: its handshake settings. */
  public record Policy(List<String> allowedOrigins, List<String> subprotocols, boolean compression) {}

  /** The handshake's result: either a refusal with an HTTP status, or the 101 answer's headers. */
  public sealed interface Outcome permits Refused, Accepted {}

  /** @param kind a short, fixed name of the refusal, for metrics */
  public record Refused(int status, String kind, String reason) implements Outcome {}

  /**
   * @param extensions the Sec-WebSocket-Extensions answer, or null
   * @param deflate    whether messages may arrive compressed
   * @param resetInflaterEachMessage the client promised no context takeover
   */
  public record Accepted(String accept, String subprotocol, String extensions, boolean deflate,
                         boolean resetInflaterEachMessage) implements Outcome {}

  private WebSocketHandshake() {}

  public static Outcome check(HttpServerRequest request, Policy policy) {
    if (request.method() != HttpMethod.GET) {
      return new Refused(405, "method", "method " + request.method() + " is not GET");
    }
    if (!hasToken(request.headers().getAll(HttpHeaders.UPGRADE), "websocket")) {
      return new Refused(426, "upgrade", "no Upgrade: websocket");
    }
    if (request.version() != HttpVersion.HTTP_1_1) {
      return new Refused(400, "http_version", "WebSocket needs HTTP/1.1");
    }
    if (!hasToken(request.headers().getAll(HttpHeaders.CONNECTION), "upgrade")) {
      return new Refused(400, "connection", "no Connection: Upgrade");
    }
    if (!"13".equals(request.getHeader("Sec-WebSocket-Version"))) {
      return new Refused(426, "version", "Sec-WebSocket-Version is not 13");
    }
    String key = request.getHeader("Sec-WebSocket-Key");
    if (!isValidKey(key)) {
      return new Refused(400, "key", "missing or malformed Sec-WebSocket-Key");
    }
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin != null && !originAllowed(origin, request, policy.allowedOrigins())) {
      return new Refused(403, "origin", "origin " + origin + " is not allowed");
    }
    String subprotocol = chooseSubprotocol(request.headers().getAll("Sec-WebSocket-Protocol"), policy.subprotocols());
    Deflate deflate = policy.compression() ? negotiateDeflate(request.headers().getAll("Sec-WebSocket-Extensions")) : null;
    return new Accepted(acceptFor(key), subprotocol, deflate == null ? null : deflate.answer(),
        deflate != null, deflate != null && deflate.clientNoContextTakeover());
  }

  /** One digest per event-loop thread: looking the algorithm up for every handshake costs more than hashing. */
  private static final ThreadLocal<MessageDigest> SHA1 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every Java runtime", e);
    }
  });

  static String acceptFor(String key) {
    byte[] digest = SHA1.get().digest((key + GUID).getBytes(StandardCharsets.US_ASCII)); // digest() resets it
    return Base64.getEncoder().encodeToString(digest);
  }

  private static boolean isValidKey(String key) {
    if (key == null || key.length() != 24) {
      return false;
    }
    try {
      return Base64.getDecoder().decode(key).length == 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean hasToken(List<String> headers, String token) {
    for (String header : headers) {
      for (String part : header.split(",")) {
        if (part.trim().equalsIgnoreCase(token)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Requests without an Origin (non-browser clients) never reach here. A browser's request is
   * allowed when it comes from the page's own origin, or from an origin in the list ({@code *}:
   * any); this is what stops cross-site WebSocket hijacking.
   */
  private static boolean originAllowed(String origin, HttpServerRequest request, List<String> allowed) {
    String normalized = origin.trim().toLowerCase(Locale.ROOT);
    if (allowed.contains("*") || allowed.stream().anyMatch(o -> o.toLowerCase(Locale.ROOT).equals(normalized))) {
      return true;
    }
    String host = request.getHeader(HttpHeaders.HOST);
    if (host == null) {
      return false;
    }
    try {
      URI uri = new URI(normalized);
      if (uri.getHost() == null || uri.getScheme() == null) {
        return false;
      }
      int defaultPort = uri.getScheme().equals("https") ? 443 : 80;
      int originPort = uri.getPort() == -1 ? defaultPort : uri.getPort();
      URI hostUri = new URI("http://" + host.trim().toLowerCase(Locale.ROOT));
      int hostPort = hostUri.getPort() == -1 ? (request.isSSL() ? 443 : 80) : hostUri.getPort();
      return uri.getHost().equals(hostUri.getHost()) && originPort == hostPort;
    } catch (Exception e) {
      return false;
    }
  }

  /** The first protocol the client offers that the server supports; never one it does not. */
  private static String chooseSubprotocol(List<String> offers, List<String> supported) {
    for (String header : offers) {
      for (String offer : header.split(",")) {
        String name = offer.trim();
        if (supported.contains(name)) {
          return name;
        }
      }
    }
    return null;
  }

  private record Deflate(String answer, boolean clientNoContextTakeover) {}

  /**
   * Accepts the first valid permessage-deflate offer. This server never compresses what it sends
   * (RFC 7692 lets a server send any message uncompressed), so it can honour every server-side
   * parameter; the inflater reads any client window size.
   */
  private static Deflate negotiateDeflate(List<String> headers) {
    for (String header : headers) {
      for (String offer : splitOutsideQuotes(header, ',')) {
        List<String> parts = splitOutsideQuotes(offer, ';');
        if (!parts.get(0).trim().equals("permessage-deflate")) {
          continue;
        }
        Deflate deflate = parseOffer(parts.subList(1, parts.size()));
        if (deflate != null) {
          return deflate;
        }
      }
    }
    return null;
  }

  private static Deflate parseOffer(List<String> params) {
    Set<String> seen = new HashSet<>();
    StringBuilder answer = new StringBuilder("permessage-deflate");
    boolean clientNoContext = false;
    for (String param : params) {
      String[] nameValue = param.split("=", 2);
      String name = nameValue[0].trim();
      String value = nameValue.length == 2 ? nameValue[1].trim().replace("\"", "") : null;
      if (!seen.add(name)) {
        return null;
      }
      switch (name) {
        case "server_no_context_takeover" -> {
          if (value != null) return null;
          answer.append("; server_no_context_takeover");
        }
        case "client_no_context_takeover" -> {
          if (value != null) return null;
          answer.append("; client_no_context_takeover");
          clientNoContext = true;
        }
        case "server_max_window_bits" -> {
          if (!isWindowBits(value)) return null;
          answer.append("; server_max_window_bits=").append(value);
        }
        case "client_max_window_bits" -> {
          if (value != null && !isWindowBits(value)) return null;
        }
        default -> {
          return null;
        }
      }
    }
    return new Deflate(answer.toString(), clientNoContext);
  }

  private static boolean isWindowBits(String value) {
    return value != null && value.matches("8|9|1[0-5]");
  }

  private static List<String> splitOutsideQuotes(String text, char separator) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (char c : text.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      }
      if (c == separator && !quoted) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    return parts;
  }
}
