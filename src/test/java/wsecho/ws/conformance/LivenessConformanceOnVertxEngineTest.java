package wsecho.ws.conformance;

/** {@link LivenessConformanceTest}'s cases on websocket.engine = vertx (Vert.x's ServerWebSocket). */
class LivenessConformanceOnVertxEngineTest extends LivenessConformanceTest {
  @Override
  protected String engine() {
    return "vertx";
  }
}
