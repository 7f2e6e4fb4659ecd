package wsecho.ws.conformance;

/** {@link Utf8ConformanceTest}'s cases on websocket.engine = vertx (Vert.x's ServerWebSocket). */
class Utf8ConformanceOnVertxEngineTest extends Utf8ConformanceTest {
  @Override
  protected String engine() {
    return "vertx";
  }
}
