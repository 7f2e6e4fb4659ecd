package wsecho.config;

/**
 * The service's whole configuration: built and validated once at start by {@link ConfigLoader},
 * then handed to the verticles, which never parse JSON themselves.
 */
public record EchoConfig(Http http, int instances, WebSocket websocket, EventBus eventBus, Log log) {

  public record Http(String host, int port) {}

  public record WebSocket(String path, int maxFrameSize, int maxMessageSize, boolean compression) {}

  public record EventBus(String address) {}

  /**
   * @param messages      print one line per echoed message
   * @param maxChars      text longer than this is cut in the log line
   * @param queueCapacity message lines waiting for the logger beyond this are dropped and counted,
   *                      so a slow log never builds an unbounded queue behind the echo
   */
  public record Log(boolean messages, int maxChars, int queueCapacity) {}

  /** The number of echo verticles to deploy: {@code instances}, where 0 means one per processor. */
  public int effectiveInstances() {
    return instances > 0 ? instances : Runtime.getRuntime().availableProcessors();
  }
}
