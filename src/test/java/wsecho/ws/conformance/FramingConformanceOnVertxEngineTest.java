package wsecho.ws.conformance;

/** {@link FramingConformanceTest}'s cases on websocket.engine = vertx (Vert.x's ServerWebSocket). */
class FramingConformanceOnVertxEngineTest extends FramingConformanceTest {
  @Override
  protected String engine() {
    return "vertx";
  }
}
