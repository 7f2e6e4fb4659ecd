package wsecho.config;

import java.util.List;

/**
 * The service's whole configuration: built and validated once at start by {@link ConfigLoader},
 * then handed to the verticles, which never parse JSON themselves.
 */
public record EchoConfig(Http http, int instances, String transport, WebSocket websocket, EventBus eventBus, Log log,
                         Shutdown shutdown, Info info, Cluster cluster, List<String> roles) {

  /** {@code transport}: Netty's native transport (epoll) where it is available, else NIO. */
  public static final String TRANSPORT_NATIVE = "native";
  /** {@code transport}: the JDK's NIO, everywhere. */
  public static final String TRANSPORT_NIO = "nio";

  /** Whether Vert.x should use the native transport when the platform has it. */
  public boolean preferNativeTransport() {
    return TRANSPORT_NATIVE.equals(transport);
  }

  /** Serves the page, the WebSocket endpoint and the HTTP routes. */
  public static final String ROLE_ECHO = "echo";
  /** Runs the LoggingVerticle: prints the message lines (of every echo node, when clustered). */
  public static final String ROLE_LOGGER = "logger";

  public boolean echoRole() {
    return roles.contains(ROLE_ECHO);
  }

  public boolean loggerRole() {
    return roles.contains(ROLE_LOGGER);
  }

  /**
   * The clustered event bus (Hazelcast). Discovery is TCP-IP from {@code members}, or a DNS lookup
   * of a headless Kubernetes Service; never multicast.
   *
   * @param host              the address to bind and advertise, for Hazelcast and the event bus; empty: picked by Hazelcast
   * @param port              the Hazelcast member port
   * @param members           {@code host:port} of members to join (TCP-IP discovery)
   * @param kubernetesService a headless Service whose DNS name lists the members' pod addresses
   * @param eventBusPort      the event bus's own TCP port (messages travel node to node on it)
   */
  public record Cluster(boolean enabled, String host, int port, List<String> members, String kubernetesService,
                        int eventBusPort) {}

  /** @param enabled serve {@code GET /info} (also under the page's path) */
  public record Info(boolean enabled) {}

  /**
   * @param handshakeTimeoutMs a connection that has not sent a whole request head by then is closed
   * @param maxHeaderSize      request heads larger than this are refused
   * @param trustedProxies     peers (addresses or CIDRs) whose Forwarded / X-Forwarded-For are believed
   * @param forwardedHeader    the header the trusted proxies write: {@code x-forwarded-for} or {@code forwarded}
   * @param maxBodySize        request bodies larger than this get 413 (the HTTP echo)
   * @param proxyProtocol      every connection starts with an HAProxy PROXY header (v1 or v2) naming the client
   */
  public record Http(String host, int port, int handshakeTimeoutMs, int maxHeaderSize, Tls tls, List<String> trustedProxies,
                     String forwardedHeader, int maxBodySize, boolean proxyProtocol) {}

  /** PEM certificate chain and private key; both empty: plain HTTP and ws://. */
  public record Tls(String certPath, String keyPath) {
    public boolean enabled() {
      return !certPath.isEmpty();
    }
  }

  /** @param timeoutMs how long a SIGTERM drain waits for the WebSocket close handshakes */
  public record Shutdown(int timeoutMs) {}

  /**
   * @param engine               {@code strict}: the service's own RFC 6455 engine; {@code vertx}: Vert.x's ServerWebSocket
   * @param allowedOrigins       browser origins accepted besides the page's own; {@code *} for any
   * @param subprotocols         subprotocols the server may choose, in no particular order
   * @param maxConnections       open WebSockets beyond this are refused with 503; 0 is no limit
   * @param pingIntervalMs       the server pings each connection this often; 0: never
   * @param idleTimeoutMs        a connection silent (no frame, no pong) this long is closed; 0: never
   * @param closeTimeoutMs       how long the server waits for the client's side of a close
   * @param lingeringClose       {@code auto}: after a clean close handshake TCP is closed at once, and the
   *                             server half-closes and drains only for a client that may still be sending
   *                             (after a refusal, or bytes after its close frame); {@code always}: every time
   * @param maxMessagesPerSecond past this rate a connection is closed with 1008; 0: no limit
   * @param frameTimeoutMs       a frame still unfinished this long after its header is closed with 1008; 0: never
   * @param maxBufferedBytes     what the process may hold for its clients before it stops reading the biggest holders
   */
  public record WebSocket(String engine, String path, int maxFrameSize, int maxMessageSize, boolean compression,
                          java.util.List<String> allowedOrigins, java.util.List<String> subprotocols,
                          int maxConnections, int pingIntervalMs, int idleTimeoutMs, int closeTimeoutMs,
                          String lingeringClose, int maxMessagesPerSecond, int frameTimeoutMs, long maxBufferedBytes) {
    public static final String STRICT = "strict";
    public static final String VERTX = "vertx";
    public static final String LINGER_AUTO = "auto";
    public static final String LINGER_ALWAYS = "always";

    public boolean lingerAlways() {
      return LINGER_ALWAYS.equals(lingeringClose);
    }

    public boolean vertxEngine() {
      return VERTX.equals(engine);
    }
  }

  public record EventBus(String address) {}

  /**
   * @param messages      print one line per echoed message
   * @param maxChars      text longer than this is cut in the log line
   * @param queueCapacity message lines waiting for the logger beyond this are dropped and counted,
   *                      so a slow log never builds an unbounded queue behind the echo
   * @param maxLinesPerSecond message lines beyond this rate are dropped and counted; 0: no limit
   * @param format        {@code text}, or {@code json}: one JSON object per line for log collectors
   * @param maxConnectionsPerSecond connections whose lines (opened, refused, closed) are logged per
   *                      second; the others are counted and summed up in one line; 0: no limit
   */
  public record Log(boolean messages, int maxChars, int queueCapacity, int maxLinesPerSecond, String format,
                    int maxConnectionsPerSecond) {
    public boolean json() {
      return "json".equals(format);
    }
  }

  /** The number of echo verticles to deploy: {@code instances}, where 0 means one per processor. */
  public int effectiveInstances() {
    return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
  }
}
