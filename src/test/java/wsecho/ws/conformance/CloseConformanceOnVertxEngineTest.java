package wsecho.ws.conformance;

/** {@link CloseConformanceTest}'s cases on websocket.engine = vertx (Vert.x's ServerWebSocket). */
class CloseConformanceOnVertxEngineTest extends CloseConformanceTest {
  @Override
  protected String engine() {
    return "vertx";
  }
}
