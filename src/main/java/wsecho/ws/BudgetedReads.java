package wsecho.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import java.util.function.IntUnaryOperator;

/**
 * A connection's buffer allocator whose socket reads are sized by the memory budget before the
 * bytes come in. Netty's read loop takes each read buffer with {@link #ioBuffer(int)} from the
 * channel's allocator, asked for afresh on every read, so this is the one place where a read can be
 * made smaller (or empty, once the connection has stopped reading) without reaching into Netty's
 * internals. Every other allocation goes to the allocator the channel had.
 *
 * <p>Not installed under TLS: there {@code SslHandler} also takes {@code ioBuffer(int)} for its
 * own output, and those reads are bounded by the budget's check after each read instead.
 */
final class BudgetedReads implements ByteBufAllocator {

  private final ByteBufAllocator delegate;
  private final IntUnaryOperator readSize;

  private BudgetedReads(ByteBufAllocator delegate, IntUnaryOperator readSize) {
    this.delegate = delegate;
    this.readSize = readSize;
  }

  /**
   * Sizes the channel's reads with {@code readSize} (the size Netty wants to the size granted, 0
   * for none); false when it cannot be done for this channel.
   */
  static boolean install(Channel channel, IntUnaryOperator readSize) {
    if (channel.pipeline().get(SslHandler.class) != null) {
      return false;
    }
    channel.config().setAllocator(new BudgetedReads(channel.config().getAllocator(), readSize));
    return true;
  }

  @Override
  public ByteBuf ioBuffer(int initialCapacity) {
    return delegate.ioBuffer(readSize.applyAsInt(initialCapacity));
  }

  @Override
  public ByteBuf buffer() {
    return delegate.buffer();
  }

  @Override
  public ByteBuf buffer(int initialCapacity) {
    return delegate.buffer(initialCapacity);
  }

  @Override
  public ByteBuf buffer(int initialCapacity, int maxCapacity) {
    return delegate.buffer(initialCapacity, maxCapacity);
  }

  @Override
  public ByteBuf ioBuffer() {
    return delegate.ioBuffer();
  }

  @Override
  public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
    return delegate.ioBuffer(initialCapacity, maxCapacity);
  }

  @Override
  public ByteBuf heapBuffer() {
    return delegate.heapBuffer();
  }

  @Override
  public ByteBuf heapBuffer(int initialCapacity) {
    return delegate.heapBuffer(initialCapacity);
  }

  @Override
  public ByteBuf heapBuffer(int initialCapacity, int maxCapacity) {
    return delegate.heapBuffer(initialCapacity, maxCapacity);
  }

  @Override
  public ByteBuf directBuffer() {
    return delegate.directBuffer();
  }

  @Override
  public ByteBuf directBuffer(int initialCapacity) {
    return delegate.directBuffer(initialCapacity);
  }

  @Override
  public ByteBuf directBuffer(int initialCapacity, int maxCapacity) {
    return delegate.directBuffer(initialCapacity, maxCapacity);
  }

  @Override
  public CompositeByteBuf compositeBuffer() {
    return delegate.compositeBuffer();
  }

  @Override
  public CompositeByteBuf compositeBuffer(int maxNumComponents) {
    return delegate.compositeBuffer(maxNumComponents);
  }

  @Override
  public CompositeByteBuf compositeHeapBuffer() {
    return delegate.compositeHeapBuffer();
  }

  @Override
  public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
    return delegate.compositeHeapBuffer(maxNumComponents);
  }

  @Override
  public CompositeByteBuf compositeDirectBuffer() {
    return delegate.compositeDirectBuffer();
  }

  @Override
  public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
    return delegate.compositeDirectBuffer(maxNumComponents);
  }

  @Override
  public boolean isDirectBufferPooled() {
    return delegate.isDirectBufferPooled();
  }

  @Override
  public int calculateNewCapacity(int minNewCapacity, int maxCapacity) {
    return delegate.calculateNewCapacity(minNewCapacity, maxCapacity);
  }
}
