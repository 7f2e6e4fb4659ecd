package wsecho.ws.conformance;

/** {@link BackPressureTest}'s cases on websocket.engine = vertx (Vert.x's ServerWebSocket). */
class BackPressureOnVertxEngineTest extends BackPressureTest {
  @Override
  protected String engine() {
    return "vertx";
  }
}
