package wsecho.logging;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes {@link EchoedMessage} on the local event bus by reference: no copy, no encoding. Single
 * messages never leave the process: clustered, the lines travel in {@link EchoedBatch}es.
 */
public final class EchoedMessageCodec implements MessageCodec<EchoedMessage, EchoedMessage> {

  @Override
  public void encodeToWire(Buffer buffer, EchoedMessage message) {
    throw new UnsupportedOperationException("EchoedMessage is local to this process");
  }

  @Override
  public EchoedMessage decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("EchoedMessage is local to this process");
  }

  @Override
  public EchoedMessage transform(EchoedMessage message) {
    return message; // immutable record: safe to share
  }

  @Override
  public String name() {
    return "echoed-message";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
