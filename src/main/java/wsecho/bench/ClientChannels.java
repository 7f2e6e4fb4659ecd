package wsecho.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.SSLException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What the load generators' bare Netty clients share: the event loops and bootstrap (epoll where
 * available), TLS for {@code wss}, the opening handshake's request and the check of its answer.
 * The generators write and parse WebSocket frames themselves, so that they cost less per message
 * and per connection than the servers they measure (see {@link LoadGenerator}, {@link HandshakeBench}).
 */
final class ClientChannels {

  static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
  private static final ByteBuf HEAD_END = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[] {'\r', '\n', '\r', '\n'}));
  private static final int CONNECT_TIMEOUT_MS = 20_000;

  private final BenchOptions options;
  private final boolean epoll = Epoll.isAvailable();
  private final EventLoopGroup group;
  private final SslContext ssl;
  private final String acceptHeader;

  ClientChannels(BenchOptions options) throws SSLException {
    this.options = options;
    this.group = new MultiThreadIoEventLoopGroup(options.threads(),
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    this.ssl = options.ssl()
        ? SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build() : null;
    this.acceptHeader = "\r\nsec-websocket-accept: " + accept(KEY).toLowerCase(Locale.ROOT) + "\r\n";
  }

  EventLoopGroup group() {
    return group;
  }

  /** Null for ws. */
  SslContext ssl() {
    return ssl;
  }

  /**
   * Channels with no handler but a placeholder: each connection's own handler joins the pipeline
   * in the connect listener, on its event loop, before anything is written.
   */
  Bootstrap bootstrap() {
    Bootstrap bootstrap = new Bootstrap().group(group)
        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
        .handler(new Unanswered());
    if (epoll) {
      // The port is chosen at connect, for the whole 4-tuple, not at bind for the address alone.
      bootstrap.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
    }
    return bootstrap;
  }

  /** The opening handshake's request, with a Sec-WebSocket-Extensions offer when not null. */
  String upgradeRequest(String extensions) {
    return "GET " + options.path() + " HTTP/1.1\r\n"
        + "Host: " + options.host() + ":" + options.port() + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + KEY + "\r\n"
        + (extensions == null ? "" : "Sec-WebSocket-Extensions: " + extensions + "\r\n")
        + "Sec-WebSocket-Version: 13\r\n\r\n";
  }

  /**
   * The response head at the start of {@code received}, lower-cased, with the reader index moved
   * past it; null while it has not all arrived.
   */
  static String responseHead(ByteBuf received) {
    int headEnd = ByteBufUtil.indexOf(HEAD_END, received);
    if (headEnd < 0) {
      return null;
    }
    String head = received.toString(received.readerIndex(), headEnd + 2 - received.readerIndex(), StandardCharsets.ISO_8859_1)
        .toLowerCase(Locale.ROOT);
    received.readerIndex(headEnd + 4);
    return head;
  }

  /** Null when the head (from {@link #responseHead}) accepts the upgrade, or why it does not. */
  String refusal(String head) {
    if (head.startsWith("http/1.1 101 ") && head.contains(acceptHeader)) {
      return null;
    }
    return "not a valid 101 response: " + head.lines().findFirst().orElse("");
  }

  void shutdown() throws InterruptedException {
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(60, TimeUnit.SECONDS);
  }

  private static String accept(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1")
          .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every channel's first handler, until its connection's own joins: nothing arrives here. */
  @ChannelHandler.Sharable
  private static final class Unanswered extends ChannelInboundHandlerAdapter {
  }
}
