package wsecho.ws.conformance;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A WebSocket client written for the tests, on a plain socket: it crafts any frame, valid or not
 * (masked or not, fragmented, reserved bits, bad opcodes), and reads exactly what the server sends.
 */
final class RawClient implements AutoCloseable {

  static final int CONTINUATION = 0, TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;

  record Frame(boolean fin, int rsv, int opcode, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }
  }

  record Response(int status, Map<String, String> headers) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final Random random = new Random(1);
  private Response response;

  private RawClient(Socket socket) throws IOException {
    this.socket = socket;
    this.socket.setSoTimeout(10_000);
    this.socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** Opens TCP and does the handshake with these extra headers; check {@link #response()}. */
  static RawClient handshake(int port, Map<String, String> extraHeaders) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Host", "127.0.0.1:" + port);
    headers.put("Upgrade", "websocket");
    headers.put("Connection", "Upgrade");
    headers.put("Sec-WebSocket-Key", Base64.getEncoder().encodeToString(new byte[16]));
    headers.put("Sec-WebSocket-Version", "13");
    headers.putAll(extraHeaders);
    return request(port, "GET", "/ws/echo", headers);
  }

  static RawClient open(int port) throws IOException {
    RawClient client = handshake(port, Map.of());
    if (client.response.status != 101) {
      throw new IOException("handshake answered " + client.response.status);
    }
    return client;
  }

  /** A WebSocket whose TCP receive buffer is this small: a client that reads slowly, or not at all. */
  static RawClient openSlowReader(int port, int receiveBufferBytes) throws IOException {
    return openSlowReader(port, receiveBufferBytes, Map.of());
  }

  /** The same with these extra handshake headers. */
  static RawClient openSlowReader(int port, int receiveBufferBytes, Map<String, String> extraHeaders) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(receiveBufferBytes);
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
    Map<String, String> headers = new LinkedHashMap<>(Map.of(
        "Host", "127.0.0.1:" + port, "Upgrade", "websocket", "Connection", "Upgrade",
        "Sec-WebSocket-Key", Base64.getEncoder().encodeToString(new byte[16]), "Sec-WebSocket-Version", "13"));
    headers.putAll(extraHeaders);
    RawClient client = request(new RawClient(socket), port, "GET", "/ws/echo", headers);
    if (client.response.status != 101) {
      throw new IOException("handshake answered " + client.response.status);
    }
    return client;
  }

  /** Sends a request head; headers whose value is null are left out. */
  static RawClient request(int port, String method, String path, Map<String, String> headers) throws IOException {
    return request(new RawClient(new Socket("127.0.0.1", port)), port, method, path, headers);
  }

  private static RawClient request(RawClient client, int port, String method, String path, Map<String, String> headers)
      throws IOException {
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    headers.forEach((name, value) -> {
      if (value != null) {
        head.append(name).append(": ").append(value).append("\r\n");
      }
    });
    head.append("\r\n");
    client.out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    client.out.flush();
    client.response = client.readResponseHead();
    return client;
  }

  Response response() {
    return response;
  }

  private Response readResponseHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed during the response head: " + head);
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
      }
    }
    if (status != 101 && headers.containsKey("content-length")) {
      in.readNBytes(Integer.parseInt(headers.get("content-length")));
    }
    return new Response(status, headers);
  }

  // ---- sending ---------------------------------------------------------------------------------

  void send(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) throws IOException {
    out.write(encode(fin, rsv, opcode, payload, masked));
    out.flush();
  }

  void send(int opcode, byte[] payload) throws IOException {
    send(true, 0, opcode, payload, true);
  }

  void sendText(String text) throws IOException {
    send(TEXT, text.getBytes(StandardCharsets.UTF_8));
  }

  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  byte[] encode(boolean fin, int rsv, int opcode, byte[] payload, boolean masked) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
    frame.write((fin ? 0x80 : 0) | (rsv << 4) | opcode);
    int maskBit = masked ? 0x80 : 0;
    if (payload.length < 126) {
      frame.write(maskBit | payload.length);
    } else if (payload.length <= 0xffff) {
      frame.write(maskBit | 126);
      frame.write(payload.length >> 8);
      frame.write(payload.length);
    } else {
      frame.write(maskBit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >> shift));
      }
    }
    byte[] body = payload.clone();
    if (masked) {
      byte[] mask = new byte[4];
      random.nextBytes(mask);
      frame.writeBytes(mask);
      for (int i = 0; i < body.length; i++) {
        body[i] ^= mask[i & 3];
      }
    }
    frame.writeBytes(body);
    return frame.toByteArray();
  }

  static byte[] close(int code, byte[] reason) {
    byte[] payload = new byte[2 + reason.length];
    payload[0] = (byte) (code >> 8);
    payload[1] = (byte) code;
    System.arraycopy(reason, 0, payload, 2, reason.length);
    return payload;
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** The next frame, or null when the server closed TCP. */
  Frame read() throws IOException {
    int b0 = in.read();
    if (b0 < 0) {
      return null;
    }
    int b1 = readByte();
    if ((b1 & 0x80) != 0) {
      throw new IOException("server frame is masked");
    }
    long length = b1 & 0x7f;
    if (length == 126) {
      length = (readByte() << 8) | readByte();
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; i++) {
        length = (length << 8) | readByte();
      }
    }
    byte[] payload = in.readNBytes((int) length);
    if (payload.length != length) {
      throw new EOFException("connection closed inside a frame");
    }
    return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0f, payload);
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("connection closed inside a frame header");
    }
    return b;
  }

  /** Reads a whole message (joining fragments), skipping nothing: control frames fail the read. */
  Frame readMessage() throws IOException {
    Frame first = read();
    if (first == null || first.fin() || first.opcode() >= CLOSE) {
      return first;
    }
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(first.payload());
    Frame next;
    do {
      next = read();
      if (next == null || next.opcode() != CONTINUATION) {
        throw new IOException("expected a continuation, got " + next);
      }
      all.writeBytes(next.payload());
    } while (!next.fin());
    return new Frame(true, 0, first.opcode(), all.toByteArray());
  }

  /**
   * Sends {@code frame} over and over on a daemon thread, reading nothing, until {@code maxBytes}
   * are sent, {@code millis} have passed or the socket fails; {@code sent} counts what went out.
   * The sends block once the server stops reading.
   */
  Thread floodInBackground(byte[] frame, AtomicLong sent, long maxBytes, long millis) {
    Thread writer = new Thread(() -> {
      try {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (sent.get() < maxBytes && System.nanoTime() < deadline) {
          sendRaw(frame);
          sent.addAndGet(frame.length);
        }
      } catch (IOException e) {
        // closed or reset by the test
      }
    });
    writer.setDaemon(true);
    writer.start();
    return writer;
  }

  /** Exactly the next {@code n} bytes the server sent, whatever they are. */
  byte[] readRaw(int n) throws IOException {
    byte[] bytes = in.readNBytes(n);
    if (bytes.length != n) {
      throw new EOFException("connection closed after " + bytes.length + " of " + n + " bytes");
    }
    return bytes;
  }

  /** The next frame that is not one of the server's pings. */
  Frame readSkippingPings() throws IOException {
    Frame frame;
    do {
      frame = read();
    } while (frame != null && frame.opcode() == PING);
    return frame;
  }

  /** Reads a whole message, answering nothing and skipping the pings the server may send between its fragments. */
  Frame readMessageBetweenPings() throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    int opcode = -1;
    while (true) {
      Frame frame = read();
      if (frame == null) {
        return null;
      }
      if (frame.opcode() == PING) {
        continue;
      }
      if (opcode == -1) {
        opcode = frame.opcode();
      } else if (frame.opcode() != CONTINUATION) {
        throw new IOException("expected a continuation, got " + frame);
      }
      all.writeBytes(frame.payload());
      if (frame.fin()) {
        return new Frame(true, 0, opcode, all.toByteArray());
      }
    }
  }

  /**
   * Everything the server sends from now on, until it closes TCP or stays quiet this long, in a
   * few words: {@code "text 5, close 1002, EOF"}; the last entry is {@code EOF}, {@code reset} or
   * {@code open} (nothing more within the time). Pings are listed too.
   */
  String transcript(int quietMillis, boolean withPings) throws IOException {
    socket.setSoTimeout(quietMillis);
    List<String> seen = new ArrayList<>();
    try {
      while (true) {
        Frame frame = read();
        if (frame == null) {
          seen.add("EOF");
          break;
        }
        if (withPings || frame.opcode() != PING) {
          seen.add(describe(frame));
        }
      }
    } catch (SocketTimeoutException quiet) {
      seen.add("open");
    } catch (EOFException cut) {
      seen.add("EOF inside a frame");
    } catch (IOException reset) {
      seen.add("reset");
    }
    return String.join(", ", seen);
  }

  private static String describe(Frame frame) {
    String kind = switch (frame.opcode()) {
      case TEXT -> "text " + frame.payload().length;
      case BINARY -> "binary " + frame.payload().length;
      case CONTINUATION -> "continuation " + frame.payload().length;
      case CLOSE -> frame.payload().length >= 2 ? "close " + frame.closeCode() : "close";
      case PING -> "ping";
      case PONG -> "pong " + frame.payload().length;
      default -> "opcode " + frame.opcode();
    };
    return kind + (frame.rsv() != 0 ? " rsv" + frame.rsv() : "") + (frame.fin() ? "" : " (not final)");
  }

  /**
   * Reads a whole message and, when the server compressed it (RSV1), inflates it with this
   * connection's inflater (the server may keep its context between messages).
   */
  Frame readMessageInflating(java.util.zip.Inflater inflater) throws IOException {
    Frame message = readMessage();
    if (message == null || (message.rsv() & 4) == 0) {
      return message;
    }
    byte[] compressed = java.util.Arrays.copyOf(message.payload(), message.payload().length + 4);
    compressed[compressed.length - 2] = (byte) 0xff;
    compressed[compressed.length - 1] = (byte) 0xff;
    inflater.setInput(compressed);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      int n;
      while ((n = inflater.inflate(buffer)) > 0 || !inflater.needsInput()) {
        out.write(buffer, 0, n);
        if (n == 0 && inflater.finished()) {
          break;
        }
      }
    } catch (java.util.zip.DataFormatException e) {
      throw new IOException("the server's compressed echo does not inflate", e);
    }
    return new Frame(true, message.rsv(), message.opcode(), out.toByteArray());
  }

  /** True when the server has closed TCP (EOF) within the socket timeout, after nothing else. */
  boolean serverClosedTcp() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset: also closed
    }
  }

  void timeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  /** The client's own port: names its socket in {@code ss}. */
  int localPort() {
    return socket.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** Drops the connection with a TCP reset, as a client that crashes or loses its network does. */
  void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  /** A deflate stream of the message, with the 4 trailing bytes removed as RFC 7692 7.2.1 says. */
  static byte[] compress(java.util.zip.Deflater deflater, byte[] message) {
    deflater.setInput(message);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int n;
    do {
      n = deflater.deflate(buffer, 0, buffer.length, java.util.zip.Deflater.SYNC_FLUSH);
      out.write(buffer, 0, n);
    } while (n == buffer.length);
    byte[] all = out.toByteArray();
    // An empty message compresses to a single 0x00 (RFC 7692 7.2.3.6).
    return all.length <= 4 ? new byte[] {0x00} : java.util.Arrays.copyOf(all, all.length - 4);
  }
}
