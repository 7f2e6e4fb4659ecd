package wsecho.ws.conformance;

/** {@link StreamingConformanceTest}'s cases on websocket.engine = vertx (Vert.x's ServerWebSocket). */
class StreamingConformanceOnVertxEngineTest extends StreamingConformanceTest {
  @Override
  protected String engine() {
    return "vertx";
  }
}
