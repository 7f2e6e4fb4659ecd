package wsecho.ws;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.buffer.impl.BufferImpl;
import io.vertx.core.internal.buffer.BufferInternal;

/** The Netty bytes behind a Vert.x buffer, without the two wrapper objects getByteBuf() makes. */
final class Bytes {

  private Bytes() {}

  static ByteBuf of(Buffer buffer) {
    return buffer instanceof BufferImpl impl ? impl.byteBuf() : ((BufferInternal) buffer).getByteBuf();
  }
}
