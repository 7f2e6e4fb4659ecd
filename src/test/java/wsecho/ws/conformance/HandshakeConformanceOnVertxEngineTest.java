package wsecho.ws.conformance;

/** {@link HandshakeConformanceTest}'s cases on websocket.engine = vertx (Vert.x's ServerWebSocket). */
class HandshakeConformanceOnVertxEngineTest extends HandshakeConformanceTest {
  @Override
  protected String engine() {
    return "vertx";
  }
}
