package wsecho.ws;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.SocketChannel;

/**
 * The server's FIN, its half of the closing handshake (RFC 6455 7.1.1: the server closes TCP first).
 *
 * <p>Closing at once: {@link #finWithPendingWrites} corks the socket, so the close frame the close
 * flushes and the FIN leave in one segment, one packet less per connection at both ends.
 *
 * <p>Lingering: {@link #shutdownOutput} shuts down the sending side only. Netty's {@code shutdownOutput()} builds a {@code ChannelOutputShutdownException}
 * with its stack trace every time, to fail writes that might still be queued: a few microseconds
 * per connection, a few percent of a whole short-lived connection. Here nothing is queued any more
 * (the close frame's write has completed), so the socket is shut down directly: an epoll channel's
 * through its native socket, an NIO channel's through its JDK socket; anything else goes through Netty.
 */
final class TcpClose {

  /** {@code NioSocketChannel.javaChannel()}, protected; null if it cannot be reached. */
  private static final MethodHandle JAVA_CHANNEL = javaChannel();

  private TcpClose() {
  }

  /**
   * Half-closes the channel; on the channel's event loop, with nothing left to write.
   *
   * @return false if the socket could not be shut down (the peer reset it, it is closed): close it instead
   */
  static boolean shutdownOutput(Channel channel) {
    try {
      if (channel instanceof UnixChannel unix && unix.fd() instanceof Socket socket) {
        socket.shutdown(false, true);
        return true;
      }
      if (channel instanceof NioSocketChannel nio && JAVA_CHANNEL != null) {
        ((SocketChannel) JAVA_CHANNEL.invokeExact(nio)).shutdownOutput();
        return true;
      }
    } catch (IOException | RuntimeException e) {
      return false;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
    if (channel instanceof io.netty.channel.socket.SocketChannel socket) {
      socket.shutdownOutput();
      return true;
    }
    return false;
  }

  /**
   * Corks the socket just before a full close: what the close flushes (the close frame, written
   * during this read) then leaves in one segment with the FIN rather than two. Only on epoll: the
   * JDK has no TCP_CORK, and NIO is the transport only where epoll is not.
   */
  static void finWithPendingWrites(Channel channel) {
    if (channel instanceof EpollSocketChannel epoll) {
      try {
        epoll.config().setTcpCork(true);
      } catch (ChannelException e) {
        // the socket is already gone: the close that follows has nothing to send
      }
    }
  }

  /** Whether NIO channels are shut down without Netty's exception (the Netty in use has the method). */
  static boolean direct() {
    return JAVA_CHANNEL != null;
  }

  private static MethodHandle javaChannel() {
    try {
      return MethodHandles.privateLookupIn(NioSocketChannel.class, MethodHandles.lookup())
          .findVirtual(NioSocketChannel.class, "javaChannel", MethodType.methodType(SocketChannel.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // a Netty without it: its own shutdownOutput() does the same, at its cost
    }
  }
}
