package wsecho.ws.conformance;

/** {@link LimitsAndCompressionConformanceTest}'s cases on websocket.engine = vertx (Vert.x's ServerWebSocket). */
class LimitsAndCompressionConformanceOnVertxEngineTest extends LimitsAndCompressionConformanceTest {
  @Override
  protected String engine() {
    return "vertx";
  }
}
