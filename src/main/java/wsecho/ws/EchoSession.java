package wsecho.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import wsecho.config.EchoConfig;
import wsecho.logging.EchoedMessage;
import wsecho.logging.MessageLog;
import wsecho.ops.EchoMetrics;
import wsecho.ops.EchoStats;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The echo path, whole: one WebSocket connection after its handshake. Frames come from the
 * {@link FrameReader} as they arrive and go straight back to the sender with their own type, and
 * nothing is held whole: binary payload streams back chunk by chunk inside a frame of its own
 * length; text, once its UTF-8 is checked, and compressed messages, once inflated, go back at the
 * end of each socket wake-up (one frame when the client's frame arrived at once, fragments while it
 * is still arriving). A preview of each message is then offered to the message log, which never
 * makes the echo wait.
 *
 * <p>Every protocol error is answered with a close frame carrying its code; then the server
 * half-closes TCP, drains what the client still sends, and closes.
 */
final class EchoSession implements FrameReader.Listener, EchoConnection {

  private static final Logger LOG = LoggerFactory.getLogger(EchoSession.class);

  private enum State { OPEN, CLOSE_SENT, CLOSE_RECEIVED, CLOSED }

  private final long id;
  private final NetSocket socket;
  private final String remote;
  private final Vertx vertx;
  private final EchoConfig.WebSocket limits;
  private final MessageLog.Outbox messageLog;
  private final FrameReader reader;
  private final boolean resetInflater;
  private MessageInflater inflater; // made at the first compressed message: zlib holds ~40 KiB per stream
  private final Utf8Validator utf8 = new Utf8Validator();
  private final Consumer<EchoSession> onClosed;
  private final boolean logged; // this connection's lines go to the service log (log.maxConnectionsPerSecond)
  private final EchoMetrics metrics;
  private final EchoStats stats;
  private final BufferBudget budget;
  private final Channel channel; // for what its write queue holds
  private final NetSocketInternal internal; // writes Netty buffers as they are; null exactly when channel is
  private ByteBuf socketChunk;   // the buffer payloadBuffer gave for binary payload that goes back as it is
  private long accounted;        // this connection's part of the budget: never less than it holds
  private boolean budgetPaused;  // not read because websocket.maxBufferedBytes is reached
  private boolean inflationWaits; // a compressed frame half inflated: the budget has no room for more
  private boolean frameEndWaits;  // and the frame's end is to be finished after it
  private boolean readsBudgeted; // each read is sized from the budget before it is made (not under TLS)
  private boolean drainWatched;   // a write is out whose completion looks at the budget again
  private long queued;           // bytes in the write queue at the last look
  private long queuedAtTick;     // and at the last liveness tick

  private State state = State.OPEN;
  private Short closeCode;
  private String closeReason = "";
  private long closeTimer = -1;
  private boolean tcpCloseOwed; // both close frames are exchanged: TCP closes when this read is done

  // The message being read.
  private int messageOpcode;
  private boolean messageCompressed;
  private long messageSize;
  private Buffer preview;
  private int previewLimit;
  private long messageStartNanos;
  private boolean messageOpen;
  // The frame being read.
  private int frameOpcode;
  private boolean frameFin;
  private final List<Buffer> framePayload = new ArrayList<>(); // a control frame's payload
  // Text and inflated payload checked and waiting to go back: written at the frame's end or, when the
  // frame goes on past this read, at the end of the read as a fragment, so nothing is held between reads.
  private final List<Buffer> echoPiece = new ArrayList<>();
  private long echoPieceLength;
  private boolean echoStarted; // the echo of the current message has its first frame out
  // True while a binary frame's echo is half written: no other frame may be written until it ends.
  private boolean streaming;
  private Buffer pendingHeader;
  private static final int SMALL_PAYLOAD = 4096;
  private static final int HEADER_ROOM = 10; // the longest frame header this server writes
  private static final long ACCOUNTING_STEP = 4096; // what a connection may be counted for above what it holds
  // Each read reserves a little more than its buffer: a fragment's echo header may exceed the client's.
  private static final int READ_SLACK = 16;
  private static final int MIN_INFLATION_PIECE = 1024;
  private int deferredCloseCode;
  private String deferredCloseReason;

  // Liveness and rate.
  private long frameStartNanos; // when the header of a frame whose payload has not all arrived came in; 0: none
  private long pausedAtNanos;   // when reading was paused for back-pressure; 0: reading
  private final Liveness liveness;

  EchoSession(long id, NetSocket socket, String client, WebSocketEngine.Services services, boolean deflate,
              boolean resetInflater, boolean logged, Consumer<EchoSession> onClosed) {
    this.logged = logged;
    this.budget = services.budget();
    this.internal = socket instanceof NetSocketInternal netSocket ? netSocket : null;
    this.channel = internal != null ? internal.channelHandlerContext().channel() : null;
    this.metrics = services.metrics();
    this.stats = services.stats();
    this.id = id;
    this.socket = socket;
    this.remote = client;
    this.vertx = services.vertx();
    this.limits = services.limits();
    this.liveness = new Liveness(limits, System.nanoTime(), id, client, logged);
    this.messageLog = services.messageLog();
    this.onClosed = onClosed;
    this.reader = new FrameReader(this, limits.maxFrameSize(), deflate);
    this.resetInflater = resetInflater;
  }

  void start() {
    if (logged) {
      LOG.info("connection {} opened from {}", id, remote);
    }
    if (channel != null) {
      readsBudgeted = BudgetedReads.install(channel, this::readSize);
    }
    if (socket instanceof NetSocketInternal internal) {
      internal.channelHandlerContext().pipeline().addBefore("handler", "wsecho-reads",
          new ChannelInboundHandlerAdapter() {
            /**
             * Each read goes to the frame reader straight from Netty's buffer, which unmasks the
             * payload into its own copies; through Vert.x it would be copied once more first (its
             * NetSocket copies every pooled read buffer). Vert.x still sees an empty read, so that
             * what is written meanwhile is flushed once, at the end of the read, as before.
             */
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              if (!(msg instanceof ByteBuf bytes)) {
                ctx.fireChannelRead(msg);
                return;
              }
              ctx.fireChannelRead(Unpooled.EMPTY_BUFFER);
              try {
                received(BufferInternal.buffer(bytes));
              } finally {
                bytes.release();
              }
            }

            /**
             * Netty reads a socket in several reads per wake-up; the end of them all is where a
             * frame still arriving goes back as a fragment, before Vert.x flushes the wake-up's writes.
             */
            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
              endOfRead();
              ctx.fireChannelReadComplete();
            }
          });
    }
    socket.handler(this::received);
    // Back-pressure: stop reading from a client that does not read its echoes, resume on drain.
    socket.drainHandler(drained -> resumeReading());
    socket.exceptionHandler(failure -> LOG.debug("connection {} error: {}", id, failure.toString()));
    socket.closeHandler(closed -> closed());
  }

  private void received(Buffer data) {
    if (data.length() == 0) {
      return; // Vert.x's view of a read the frame reader already has (see start)
    }
    // One clock read per TCP read: liveness, the log's rate window and the echo timing share it.
    liveness.heard(System.nanoTime());
    if (state == State.CLOSED || state == State.CLOSE_RECEIVED) {
      return; // after a close frame, nothing more is read (RFC 6455 5.5.1)
    }
    try {
      reader.feed(data);
    } catch (ProtocolException e) {
      fail(e.code, e.getMessage());
    }
    afterInput();
  }

  private void afterInput() {
    if (tcpCloseOwed) {
      tcpCloseOwed = false;
      closeTcp();
    }
    if (!streaming && deferredCloseReason != null) {
      String reason = deferredCloseReason;
      deferredCloseReason = null;
      close(deferredCloseCode, reason);
    }
    if (socket.writeQueueFull() && pausedAtNanos == 0) {
      stopReading();
      pausedAtNanos = System.nanoTime();
    }
    if (!readsBudgeted) {
      checkBudgetAfterRead(); // under TLS: after each read, not each wake-up (Netty may read 16 times per wake-up)
    }
  }

  /**
   * The client has read its echoes: read again. A frame left unfinished while this side was not
   * reading was not the client's stall, so its deadline moves by the pause.
   */
  private void resumeReading() {
    if (pausedAtNanos != 0 && frameStartNanos != 0) {
      frameStartNanos += System.nanoTime() - pausedAtNanos;
    }
    pausedAtNanos = 0;
    liveness.heard(System.nanoTime()); // the client read its echoes: it is not idle
    checkBudget();
    if (!budgetPaused) {
      startReading();
    }
  }

  /**
   * The size of the next socket read, asked for by Netty's read loop before it reads: what the
   * budget grants (0 stops reading until there is room). After the close handshake has begun,
   * nothing read is kept, so reads are not counted.
   */
  private int readSize(int wanted) {
    if (state != State.OPEN) {
      return wanted;
    }
    long grant = budget.reserve(wanted + READ_SLACK, standing(account()));
    if (grant <= READ_SLACK) {
      budget.add(-grant);
      pauseForBudget();
      return 0;
    }
    accounted += grant;
    return (int) grant - READ_SLACK;
  }

  private void pauseForBudget() {
    if (!budgetPaused) {
      budgetPaused = true;
      budget.paused();
      stopReading();
    }
  }

  /**
   * Stops reading at the socket itself. NetSocket.pause() would let Vert.x go on reading up to 16
   * more reads into its own queue before it stops the channel: with thousands of paused
   * connections that is memory outside any budget (with 2,000 stalled clients an ordinary client
   * got no echo for 10 s).
   */
  private void stopReading() {
    if (channel != null) {
      channel.config().setAutoRead(false);
    } else {
      socket.pause();
    }
  }

  private void startReading() {
    if (channel != null) {
      channel.config().setAutoRead(true);
    } else {
      socket.resume();
    }
  }

  // ---- frames -------------------------------------------------------------------------------

  @Override
  public void frameStart(int opcode, boolean fin, boolean compressed, boolean messageStart, long length)
      throws ProtocolException {
    frameOpcode = opcode;
    frameFin = fin;
    frameStartNanos = length > 0 ? liveness.lastHeard() : 0;
    framePayload.clear();
    if (isControl(opcode) || state != State.OPEN) {
      return;
    }
    if (messageStart) {
      startMessage(opcode, compressed);
    }
    if (!messageCompressed) {
      if (messageSize + length > limits.maxMessageSize()) {
        throw new ProtocolException(CloseCodes.TOO_BIG, "message over the limit of " + limits.maxMessageSize() + " bytes");
      }
      messageSize += length;
      if (opcode == FrameReader.BINARY) {
        // Binary needs no checking: its echo starts before the frame has fully arrived.
        Buffer header = Frames.header(messageStart ? FrameReader.BINARY : FrameReader.CONTINUATION, fin, length,
            channel == null && length <= SMALL_PAYLOAD ? (int) length : 0);
        if (length == 0) {
          socket.write(header);
        } else {
          pendingHeader = header; // written with the first chunk: one write for a small frame
          streaming = true;
        }
      }
    }
  }

  /**
   * Binary payload goes back byte for byte, so it is unmasked straight into pooled direct memory
   * and that buffer is written as it is: one copy from the read to the write, where a heap copy
   * was copied again behind the header and once more into direct memory by Netty (4 KiB
   * messages: 0.88x bare Vert.x's rate before this).
   */
  @Override
  public ByteBuf payloadBuffer(int n) {
    if (internal != null && frameOpcode == FrameReader.BINARY && !messageCompressed && state == State.OPEN) {
      // Room only behind a small frame's header: a large chunk keeps the read's own size (Netty's
      // pool has size classes up to 64 KiB, and 64 KiB + 10 would fall outside them), its header
      // going as a write of its own in the same flush.
      int room = pendingHeader != null && n <= SMALL_PAYLOAD ? HEADER_ROOM : 0;
      socketChunk = BudgetedReads.unwrapped(channel).directBuffer(room + n);
      return socketChunk.writerIndex(room);
    }
    return FrameReader.Listener.super.payloadBuffer(n);
  }

  @Override
  public void framePayload(Buffer chunk) throws ProtocolException {
    ByteBuf direct = socketChunk;
    if (direct != null) {
      socketChunk = null;
      capturePreview(chunk);
      writeDirect(direct, chunk.length());
      return;
    }
    if (isControl(frameOpcode)) {
      framePayload.add(chunk); // at most 125 bytes
      return;
    }
    if (state != State.OPEN) {
      return;
    }
    if (messageCompressed) {
      inflate(chunk, false);
      return;
    }
    capturePreview(chunk);
    if (frameOpcode == FrameReader.BINARY) {
      if (pendingHeader != null) {
        writeFrame(pendingHeader, chunk);
        pendingHeader = null;
      } else {
        socket.write(chunk);
      }
      return;
    }
    checkUtf8(chunk); // fail at the first bad byte, not at the end of the message
    addToEcho(chunk);
  }

  @Override
  public void frameEnd() throws ProtocolException {
    streaming = false;
    frameStartNanos = 0;
    if (isControl(frameOpcode)) {
      control(frameOpcode, joined());
      return;
    }
    if (state != State.OPEN) {
      return;
    }
    if (messageCompressed && !inflate(Buffer.buffer(), frameFin)) {
      frameEndWaits = true;
      return;
    }
    finishDataFrame();
  }

  private void finishDataFrame() throws ProtocolException {
    if (messageCompressed || frameOpcode == FrameReader.TEXT) {
      if (messageOpcode == FrameReader.TEXT) {
        checkTextEnd();
      }
      writeEchoPiece(frameFin);
    }
    if (frameFin) {
      endMessage();
    }
  }

  /**
   * The end of a wake-up's reads inside a text or compressed frame: what is checked so far goes
   * back now as a fragment, so a frame that arrives slowly, or stalls, holds nothing here. A frame
   * that arrives at once goes back as one frame, as it came.
   */
  private void endOfRead() {
    if (!echoPiece.isEmpty() && state == State.OPEN) {
      writeEchoPiece(false);
    }
    checkBudgetAfterRead();
    watchDrainWhilePaused();
  }

  /**
   * A connection stopped by the budget with its own echo queued looks again as soon as that echo
   * has gone to the kernel, not only at the next liveness tick: a client reading a large inflated
   * echo is fed as fast as it reads.
   */
  private void watchDrainWhilePaused() {
    if (budgetPaused && !drainWatched && queued > 0) {
      drainWatched = true;
      socket.write(Buffer.buffer()).onComplete(written -> {
        drainWatched = false;
        if (state == State.OPEN) {
          checkBudget();
        }
      });
    }
  }

  private void checkBudgetAfterRead() {
    long holding = standing(account());
    if (!budgetPaused && state == State.OPEN && !budget.mayRead(holding)) {
      pauseForBudget(); // now rather than at an empty read
    }
  }

  /**
   * What this connection holds for its client, apart from the inflater's fixed state: its write
   * queue, text waiting for the end of the read, input kept while inflation waits.
   */
  private long holding() {
    ChannelOutboundBuffer queue = channel == null ? null : channel.unsafe().outboundBuffer();
    queued = queue == null ? 0 : queue.totalPendingWriteBytes();
    return queued + echoPieceLength + reader.heldBytes() + (inflater != null ? inflater.pendingInput() : 0);
  }

  /**
   * How the budget ranks this connection: by what it holds, and as a large holder while it is in
   * the middle of a frame with more than a few KiB still to come or of an inflation that waits. A
   * client stalling a large frame cannot take the room kept for small reads near the budget,
   * however little of its echo is queued here (the kernel takes some of it), while an ordinary
   * client, between messages or finishing a small one, can.
   */
  private long standing(long holding) {
    return reader.unreadPayload() > BufferBudget.MIN_HOLDING || inflationWaits
        ? Math.max(holding, BufferBudget.MIN_HOLDING) : holding;
  }

  /**
   * Brings this connection's part of the budget up to date and returns what it holds. Growth was
   * reserved before it came in (the read, the inflated piece), so the count only falls here, and
   * only by 4 KiB or more, or to nothing: a small echo queued during a read and flushed after it
   * costs no atomic on a shared counter.
   */
  private long account() {
    if (state == State.CLOSED) {
      return 0; // gone: what it held was given back once, in closed(); a late read-complete adds nothing
    }
    long holding = holding();
    long now = holding + (inflater != null && inflater.started() ? MessageInflater.STATE_BYTES : 0);
    if (now > accounted || accounted - now >= ACCOUNTING_STEP || (now == 0 && accounted != 0)) {
      budget.add(now - accounted);
      accounted = now;
    }
    return holding;
  }

  /** Reads again once the process is back under the budget (checked on drain and on every tick). */
  private void checkBudget() {
    long holding = standing(account());
    if (budgetPaused && state == State.OPEN && budget.mayResume(holding)) {
      budgetPaused = false;
      budget.resumed();
      if (inflationWaits) {
        continueInflation();
      }
      if (!budgetPaused && pausedAtNanos == 0) {
        startReading();
      }
    }
  }

  /** Goes on with a frame whose inflation waited for the budget, then with the rest of its read. */
  private void continueInflation() {
    try {
      if (pumpInflater()) {
        inflationWaits = false;
        if (frameEndWaits) {
          frameEndWaits = false;
          finishDataFrame();
        }
        reader.resume();
      }
    } catch (ProtocolException e) {
      fail(e.code, e.getMessage());
    }
    if (!echoPiece.isEmpty() && state == State.OPEN) {
      writeEchoPiece(false);
    }
    afterInput();
    checkBudgetAfterRead(); // what the resumed inflation queued, before the drain watch looks at it
    watchDrainWhilePaused();
  }

  private void addToEcho(Buffer piece) {
    if (piece.length() > 0) {
      echoPiece.add(piece);
      echoPieceLength += piece.length();
    }
  }

  /** Writes what waits in {@link #echoPiece} as one frame of the echo: the first is the message's, the rest continue it. */
  private void writeEchoPiece(boolean fin) {
    Buffer header = Frames.header(echoStarted ? FrameReader.CONTINUATION : messageOpcode, fin, echoPieceLength,
        echoPieceLength <= SMALL_PAYLOAD ? (int) echoPieceLength : 0);
    echoStarted = true;
    if (echoPiece.isEmpty()) {
      socket.write(header);
    } else if (echoPiece.size() == 1) {
      writeFrame(header, echoPiece.get(0));
    } else {
      socket.write(header);
      for (Buffer part : echoPiece) {
        socket.write(part);
      }
    }
    echoPiece.clear();
    echoPieceLength = 0;
  }

  private void startMessage(int opcode, boolean compressed) throws ProtocolException {
    checkRate();
    messageOpcode = opcode;
    messageCompressed = compressed;
    messageSize = 0;
    messageStartNanos = liveness.lastHeard(); // when the read holding the message's first frame began
    messageOpen = true;
    echoStarted = false;
    utf8.reset();
    previewLimit = opcode == FrameReader.BINARY
        ? EchoedMessage.BINARY_PREVIEW_BYTES
        : Math.max(0, messageLog.maxChars()) * 4; // a character is at most 4 bytes of UTF-8
    if (preview != null) {
      messageLog.cancel(); // the previous message never completed
    }
    preview = messageLog.admit(messageStartNanos) ? Buffer.buffer(Math.min(previewLimit, 256)) : null;
  }

  /**
   * Compressed payload is inflated as it arrives (the output bounded by what is left of
   * maxMessageSize), checked, and echoed uncompressed with the rest of the read's output. Each
   * piece is inflated only once the budget has room for it; when it has none, the frame waits half
   * inflated, with the rest of its read, and this connection is not read (false).
   */
  private boolean inflate(Buffer compressed, boolean endOfMessage) throws ProtocolException {
    if (inflater == null) {
      inflater = new MessageInflater(resetInflater);
    }
    inflater.push(compressed, endOfMessage);
    return pumpInflater();
  }

  private boolean pumpInflater() throws ProtocolException {
    while (true) {
      if (!inflater.started()) {
        // A new inflater is a fixed 40 KiB: near the budget it waits, like any large holder, so
        // that a crowd of new compressed connections cannot take the room kept for small reads.
        long stateBytes = MessageInflater.STATE_BYTES;
        if (budget.reserve(stateBytes, stateBytes, Math.max(holding(), BufferBudget.MIN_HOLDING)) == 0) {
          return waitForBudget();
        }
        accounted += stateBytes;
        inflater.start();
      }
      long credit = accounted - holding() - MessageInflater.STATE_BYTES;
      if (credit < MIN_INFLATION_PIECE) {
        long grant = budget.reserve(64 * 1024, standing(holding()));
        if (grant == 0) {
          return waitForBudget();
        }
        accounted += grant;
        credit += grant;
      }
      Buffer piece = inflater.next((int) Math.min(credit, Integer.MAX_VALUE), limits.maxMessageSize() - messageSize);
      if (piece == null) {
        return true;
      }
      messageSize += piece.length();
      capturePreview(piece);
      if (messageOpcode == FrameReader.TEXT) {
        checkUtf8(piece);
      }
      addToEcho(piece);
    }
  }

  private boolean waitForBudget() {
    inflationWaits = true;
    reader.suspend();
    pauseForBudget();
    return false;
  }

  /**
   * Writes binary payload unmasked by payloadBuffer; the first chunk of a frame takes the frame's
   * header into the room before it, or, when it has none (a large chunk), writes it first.
   */
  private void writeDirect(ByteBuf payload, int length) {
    int start = payload.writerIndex() - length; // the room payloadBuffer left before it
    if (pendingHeader != null) {
      ByteBuf header = Bytes.of(pendingHeader);
      int headerLength = header.readableBytes();
      if (start >= headerLength) {
        start -= headerLength;
        payload.setBytes(start, header, header.readerIndex(), headerLength);
      } else {
        socket.write(pendingHeader);
      }
      pendingHeader = null;
    }
    payload.readerIndex(start);
    // Netty releases what reaches it (written, or failed, before the write fails). A write Vert.x
    // 5.0.7 still holds in its own queue when the connection closes (the client stopped reading)
    // is failed without a release: that one is released here.
    internal.writeMessage(payload).onFailure(notWritten -> {
      if (payload.refCnt() > 0) {
        payload.release();
      }
    });
  }

  /** Small payloads are copied behind their header: one write instead of two. */
  private void writeFrame(Buffer header, Buffer payload) {
    if (payload.length() <= SMALL_PAYLOAD) {
      socket.write(header.appendBuffer(payload));
    } else {
      socket.write(header);
      socket.write(payload);
    }
  }

  private void endMessage() {
    messageOpen = false;
    stats.echoed(messageOpcode == FrameReader.BINARY, messageSize, System.nanoTime() - messageStartNanos);
    if (preview != null) {
      messageLog.publish(new EchoedMessage(id, remote, messageOpcode == FrameReader.BINARY, preview, messageSize));
      preview = null;
    }
  }

  private void capturePreview(Buffer chunk) {
    if (preview != null && preview.length() < previewLimit) {
      int take = Math.min(previewLimit - preview.length(), chunk.length());
      preview.appendBuffer(chunk, 0, take);
    }
  }

  private void checkUtf8(Buffer chunk) throws ProtocolException {
    io.netty.buffer.ByteBuf buf = Bytes.of(chunk);
    boolean valid;
    if (buf.hasArray()) {
      valid = utf8.feed(buf.array(), buf.arrayOffset() + buf.readerIndex(), buf.readableBytes());
    } else {
      byte[] bytes = chunk.getBytes();
      valid = utf8.feed(bytes, 0, bytes.length);
    }
    if (!valid) {
      throw new ProtocolException(CloseCodes.INVALID_PAYLOAD, "invalid UTF-8 in a text message");
    }
  }

  /** A text message may only end on a character boundary. */
  private void checkTextEnd() throws ProtocolException {
    if (frameFin && !utf8.complete()) {
      throw new ProtocolException(CloseCodes.INVALID_PAYLOAD, "text message ends inside a UTF-8 sequence");
    }
  }

  private void checkRate() throws ProtocolException {
    if (liveness.overRate(liveness.lastHeard())) {
      throw new ProtocolException(CloseCodes.POLICY_VIOLATION, liveness.rateReason());
    }
  }

  private Buffer joined() {
    if (framePayload.size() == 1) {
      return framePayload.get(0);
    }
    Buffer all = Buffer.buffer();
    for (Buffer part : framePayload) {
      all.appendBuffer(part);
    }
    return all;
  }

  private static boolean isControl(int opcode) {
    return opcode >= FrameReader.CLOSE;
  }

  // ---- control frames -----------------------------------------------------------------------

  private void control(int opcode, Buffer payload) throws ProtocolException {
    switch (opcode) {
      case FrameReader.PING -> {
        if (state == State.OPEN) {
          socket.write(Frames.control(FrameReader.PONG, payload));
        }
      }
      case FrameReader.PONG -> { } // liveness is any traffic: already heard
      case FrameReader.CLOSE -> closeReceived(payload);
      default -> throw new IllegalStateException("not a control opcode: " + opcode);
    }
  }

  private void closeReceived(Buffer payload) throws ProtocolException {
    reader.stop(); // frames after the close, even in the same read, are not the peer's to send
    if (state == State.CLOSE_SENT) {
      state = State.CLOSE_RECEIVED;
      tcpCloseOwed = true;
      return;
    }
    int code = CloseCodes.NORMAL;
    if (payload.length() == 1) {
      throw new ProtocolException(CloseCodes.PROTOCOL_ERROR, "close frame with a 1-byte payload");
    }
    if (payload.length() >= 2) {
      code = payload.getUnsignedShort(0);
      if (!CloseCodes.isValidOnTheWire(code)) {
        throw new ProtocolException(CloseCodes.PROTOCOL_ERROR, "invalid close code " + code);
      }
      if (!Utf8Validator.isValid(payload.getBytes(2, payload.length()))) {
        throw new ProtocolException(CloseCodes.INVALID_PAYLOAD, "close reason is not valid UTF-8");
      }
      closeReason = payload.getString(2, payload.length(), StandardCharsets.UTF_8.name());
    }
    closeCode = (short) code;
    state = State.CLOSE_RECEIVED;
    socket.write(Frames.close(code, ""));
    tcpCloseOwed = true;
  }

  // ---- closing ------------------------------------------------------------------------------

  /** Refuses what the client sent: close frame with the code, then the TCP close. */
  private void fail(int code, String reason) {
    if (state != State.OPEN) {
      return;
    }
    if (logged) {
      LOG.info("connection {} from {} refused: {} {}", id, remote, code, reason);
    }
    closeCode = (short) code;
    closeReason = reason;
    state = State.CLOSE_RECEIVED; // nothing more is read: after a protocol error the stream is not trusted
    socket.write(Frames.close(code, reason));
    lingeringClose();
  }

  /**
   * A frame stalled past {@code websocket.frameTimeoutMs}: 1008. When its echo is already half
   * written (a binary frame streams back as it arrives), no close frame can follow on the wire
   * without corrupting that frame, so the connection is dropped instead.
   */
  private void frameTimedOut() {
    String reason = "frame not finished within " + limits.frameTimeoutMs() + " ms";
    reader.stop();
    if (!streaming) {
      fail(CloseCodes.POLICY_VIOLATION, reason);
      return;
    }
    if (logged) {
      LOG.info("connection {} from {} dropped: {} (its echo was half written)", id, remote, reason);
    }
    closeReason = reason; // no close frame went out: counted as 1006
    state = State.CLOSE_RECEIVED;
    socket.close();
  }

  @Override
  public void close(int code, String reason) {
    if (state != State.OPEN) {
      return;
    }
    if (streaming) {
      deferredCloseCode = code;
      deferredCloseReason = reason;
      return;
    }
    closeCode = (short) code;
    closeReason = reason;
    state = State.CLOSE_SENT;
    socket.write(Frames.close(code, reason));
    closeTimer = vertx.setTimer(limits.closeTimeoutMs(), t -> socket.close());
  }

  /**
   * Both close frames are exchanged, so the client may send nothing more (RFC 6455 5.5.1) and the
   * server closes TCP at once (7.1.1), after its close frame is flushed. A client that visibly goes
   * on sending (bytes after its close frame in the same read) would get a reset for them, which can
   * destroy the unread close frame: it gets the lingering close instead, as every client does with
   * {@code websocket.lingeringClose} = {@code always}. Waiting for every client's FIN costs a
   * wake-up per connection, about a tenth of a short connection's CPU. The close frame answering
   * the client's is still unflushed here (written during this read): it leaves with the FIN.
   */
  private void closeTcp() {
    if (limits.lingerAlways() || reader.ignoredBytes()) {
      lingeringClose();
    } else {
      TcpClose.finWithPendingWrites(channel);
      socket.close();
    }
  }

  /**
   * The server closes TCP first (RFC 6455 7.1.1) and lingers: half-close after the close frame is
   * flushed, so the client reads it before the FIN, read and drop what it still sends, and drop the
   * connection if the client does not close its side within the close timeout. This is for a
   * client that may still be sending: after a refusal, or after its close frame with more behind it
   * (Autobahn 7.1.x sends that); a full close would answer those bytes with a reset, which can
   * destroy the close frame in the client's receive buffer before it is read.
   */
  private void lingeringClose() {
    startReading();
    socket.write(Buffer.buffer()).onComplete(flushed -> {
      if (flushed.succeeded() && socket instanceof NetSocketInternal internal
          && !TcpClose.shutdownOutput(internal.channelHandlerContext().channel())) {
        socket.close();
      }
    });
    if (closeTimer != -1) {
      vertx.cancelTimer(closeTimer);
    }
    closeTimer = vertx.setTimer(limits.closeTimeoutMs(), t -> socket.close());
  }

  private void closed() {
    state = State.CLOSED;
    budget.add(-accounted);
    accounted = 0;
    echoPiece.clear();
    echoPieceLength = 0;
    if (budgetPaused) {
      budgetPaused = false;
      budget.resumed();
    }
    if (messageOpen) {
      stats.receivedNotEchoed(messageOpcode == FrameReader.BINARY, messageSize);
    }
    if (preview != null) {
      messageLog.cancel();
      preview = null;
    }
    metrics.closed(closeCode == null ? 1006 : closeCode);
    if (closeTimer != -1) {
      vertx.cancelTimer(closeTimer);
    }
    if (inflater != null) {
      inflater.close();
    }
    if (logged) {
      LOG.info("connection {} closed from {}: code {}{}", id, remote,
          closeCode == null ? "1006 (no close frame)" : closeCode, closeReason.isEmpty() ? "" : " " + closeReason);
    }
    onClosed.accept(this);
  }

  // ---- liveness -----------------------------------------------------------------------------

  @Override
  public void tick(long nowNanos) {
    if (state != State.OPEN) {
      return;
    }
    checkBudget();
    // A client still reading a long echo sends nothing meanwhile, and the server's pings wait behind
    // the echo: a write queue that shrank since the last tick shows it is there.
    if (queued > 0 && queued < queuedAtTick) {
      liveness.heard(nowNanos);
    }
    queuedAtTick = queued;
    // A frame waiting for its echo to be read (back-pressure, or inflation waiting for the budget)
    // is not stalled by its client; the idle timeout still applies.
    if (limits.frameTimeoutMs() > 0 && frameStartNanos != 0 && pausedAtNanos == 0 && !inflationWaits
        && (nowNanos - frameStartNanos) / 1_000_000 >= limits.frameTimeoutMs()) {
      frameTimedOut();
      return;
    }
    // No ping while a binary frame's echo is half written: nothing may go between its bytes.
    liveness.keepAlive(nowNanos, !streaming, this, () -> socket.write(Frames.control(FrameReader.PING, Buffer.buffer())));
  }
}
