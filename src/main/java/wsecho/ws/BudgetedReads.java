package wsecho.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.ssl.SslHandler;

import java.util.function.IntUnaryOperator;

/**
 * A connection's buffer allocator whose socket reads are sized by the memory budget before the
 * bytes come in. Netty's read loop takes each read buffer from the channel's allocator, asked for
 * afresh on every read, so this is the one place where a read can be made smaller (or empty, once
 * the connection has stopped reading) without reaching into Netty's internals. Every other
 * allocation goes to the allocator the channel had ({@link #unwrapped}).
 *
 * <p>Which call is the read differs by transport: NIO takes {@link #ioBuffer(int)}; epoll takes
 * {@link #directBuffer(int)} (through its PreferredDirectByteBufAllocator), which it also uses to
 * copy a heap buffer being written into direct memory. On epoll, writes are therefore made direct
 * before they reach the transport, by a handler next to the pipeline's head that copies from the
 * unwrapped allocator: {@code directBuffer(int)} is then the read's alone.
 *
 * <p>Not installed under TLS: there {@code SslHandler} also takes {@code ioBuffer(int)} for its
 * own output, and those reads are bounded by the budget's check after each read instead.
 */
final class BudgetedReads implements ByteBufAllocator {

  static final String DIRECT_WRITES = "wsecho-direct-writes";

  private final ByteBufAllocator delegate;
  private final IntUnaryOperator readSize;
  private final boolean readsAreDirectBuffers;

  private BudgetedReads(ByteBufAllocator delegate, IntUnaryOperator readSize, boolean readsAreDirectBuffers) {
    this.delegate = delegate;
    this.readSize = readSize;
    this.readsAreDirectBuffers = readsAreDirectBuffers;
  }

  /**
   * Sizes the channel's reads with {@code readSize} (the size Netty wants to the size granted, 0
   * for none); false when it cannot be done for this channel.
   */
  static boolean install(Channel channel, IntUnaryOperator readSize) {
    if (channel.pipeline().get(SslHandler.class) != null) {
      return false;
    }
    ByteBufAllocator own = channel.config().getAllocator();
    boolean epoll = channel instanceof UnixChannel;
    if (epoll) {
      channel.pipeline().addFirst(DIRECT_WRITES, new DirectWrites(own));
    }
    channel.config().setAllocator(new BudgetedReads(own, readSize, epoll));
    return true;
  }

  /** The channel's allocator without the read sizing: for buffers that are not reads. */
  static ByteBufAllocator unwrapped(Channel channel) {
    ByteBufAllocator allocator = channel.config().getAllocator();
    return allocator instanceof BudgetedReads budgeted ? budgeted.delegate : allocator;
  }

  @Override
  public ByteBuf ioBuffer(int initialCapacity) {
    return delegate.ioBuffer(readsAreDirectBuffers ? initialCapacity : readSize.applyAsInt(initialCapacity));
  }

  /**
   * On epoll, a read refused by the budget still gets one byte: epoll takes a read of nothing for
   * the end of the stream and would close the connection. The budget has stopped the channel's
   * reading by then, so this is the last read until it resumes.
   */
  @Override
  public ByteBuf directBuffer(int initialCapacity) {
    return delegate.directBuffer(readsAreDirectBuffers ? Math.max(1, readSize.applyAsInt(initialCapacity)) : initialCapacity);
  }

  /**
   * Copies heap buffers being written into direct memory from the channel's own allocator, as the
   * epoll transport would, so that it never asks {@link BudgetedReads} for that copy.
   */
  private static final class DirectWrites extends ChannelOutboundHandlerAdapter {
    private final ByteBufAllocator allocator;

    DirectWrites(ByteBufAllocator allocator) {
      this.allocator = allocator;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof ByteBuf heap && !heap.isDirect() && !heap.hasMemoryAddress() && heap.isReadable()) {
        ByteBuf direct = allocator.directBuffer(heap.readableBytes());
        try {
          direct.writeBytes(heap, heap.readerIndex(), heap.readableBytes());
        } finally {
          heap.release();
        }
        ctx.write(direct, promise);
        return;
      }
      ctx.write(msg, promise);
    }
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
