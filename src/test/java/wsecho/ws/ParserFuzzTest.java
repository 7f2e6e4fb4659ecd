package wsecho.ws;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing (Jazzer) of the WebSocket parsers. In the normal test run each target
 * replays the committed corpus under {@code src/test/resources/wsecho/ws/ParserFuzzTestInputs/};
 * {@code scripts/fuzz} runs them for real. A target fails on any outcome other than the documented
 * ones: a protocol error with its close code, or success within the limits.
 */
class ParserFuzzTest {

  private static final long MAX_FRAME = 64 * 1024;
  private static final long MAX_MESSAGE = 256 * 1024;
  private static final Set<Short> CLOSE_CODES = Set.of((short) 1002, (short) 1007, (short) 1009);

  /**
   * The frame reader, with the message checks the echo applies (UTF-8 as it arrives, inflation
   * with the message limit), fed arbitrary bytes in arbitrary chunks.
   */
  @FuzzTest
  void frameReaderOnArbitraryBytesInArbitraryChunks(FuzzedDataProvider data) {
    boolean compression = data.consumeBoolean();
    CheckingListener listener = new CheckingListener();
    FrameReader reader = new FrameReader(listener, MAX_FRAME, compression);
    try {
      while (data.remainingBytes() > 0) {
        int chunk = data.consumeInt(1, 4096);
        reader.feed(Buffer.buffer(data.consumeBytes(chunk)));
      }
    } catch (ProtocolException e) {
      assertThat(CLOSE_CODES).as("close code for: " + e.getMessage()).contains(e.code);
    } finally {
      listener.close();
    }
  }

  /** The UTF-8 validator agrees with the JDK's decoder (REPORT), whole and at every split, in any chunking. */
  @FuzzTest
  void utf8ValidatorAgreesWithTheJdkDecoder(FuzzedDataProvider data) {
    byte[] bytes = data.consumeRemainingAsBytes();
    Utf8Validator validator = new Utf8Validator();
    int position = 0;
    int split = 1;
    boolean valid = true;
    while (position < bytes.length && valid) {
      int length = Math.min(split, bytes.length - position);
      valid = validator.feed(bytes, position, length);
      position += length;
      if (valid) {
        assertThat(jdkAcceptsPrefix(bytes, position)).as("JDK on a prefix of %d bytes the validator accepts", position).isTrue();
      } else {
        // The validator may refuse sooner than the JDK (which waits for a whole sequence before it
        // refuses an encoded surrogate, say), but only where no continuation could make it valid.
        for (byte fill : new byte[] {(byte) 0x80, (byte) 0xbf}) {
          byte[] completed = Arrays.copyOf(bytes, position + 3);
          Arrays.fill(completed, position, position + 3, fill);
          assertThat(jdkAccepts(completed)).as("JDK on a refused prefix of %d bytes, completed", position).isFalse();
        }
      }
      split = split * 3 % 7 + 1; // chunks of 1 to 7 bytes: every kind of split inside a sequence
    }
    boolean whole = valid && validator.complete();
    assertThat(whole).isEqualTo(jdkAccepts(bytes));
    assertThat(Utf8Validator.isValid(bytes)).isEqualTo(whole);
  }

  /** The inflater never hands on more than the allowance, and fails only with 1009 or 1007. */
  @FuzzTest
  void inflaterOutputStaysWithinTheAllowance(FuzzedDataProvider data) {
    long allowance = data.consumeLong(0, MAX_MESSAGE);
    boolean bomb = data.consumeBoolean();
    byte[] input;
    if (bomb) {
      // A real deflate stream of a repeated pattern: small input, large output.
      byte[] pattern = data.consumeBytes(data.consumeInt(1, 64));
      int repeat = data.consumeInt(1, 20_000);
      Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
      byte[] out = new byte[64 * 1024];
      java.io.ByteArrayOutputStream compressed = new java.io.ByteArrayOutputStream();
      for (int i = 0; i < repeat; i++) {
        deflater.setInput(pattern.length == 0 ? new byte[1] : pattern);
        int n;
        while ((n = deflater.deflate(out, 0, out.length, Deflater.NO_FLUSH)) > 0) {
          compressed.write(out, 0, n);
        }
      }
      int n;
      while ((n = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH)) > 0) {
        compressed.write(out, 0, n);
      }
      deflater.end();
      input = compressed.toByteArray();
    } else {
      input = data.consumeRemainingAsBytes();
    }
    MessageInflater inflater = new MessageInflater(data.consumeBoolean());
    // Pulled in pieces of an arbitrary size, as the memory budget grants them.
    int piece = data.consumeInt(1, 70_000);
    long delivered = 0;
    try {
      inflater.start();
      inflater.push(Buffer.buffer(input), true);
      Buffer out;
      while ((out = inflater.next(piece, allowance - delivered)) != null) {
        assertThat(out.length()).isBetween(1, piece);
        delivered += out.length();
        assertThat(delivered).isLessThanOrEqualTo(allowance);
      }
      assertThat(inflater.pendingInput()).as("all input consumed").isZero();
    } catch (ProtocolException e) {
      assertThat(e.code).as(e.getMessage()).isIn((short) 1009, (short) 1007);
    } finally {
      inflater.close();
    }
    assertThat(delivered).isLessThanOrEqualTo(allowance);
  }

  private static boolean jdkAccepts(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /** True when the first {@code length} bytes could still begin valid UTF-8. */
  private static boolean jdkAcceptsPrefix(byte[] bytes, int length) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    CoderResult result = decoder.decode(ByteBuffer.wrap(bytes, 0, length), CharBuffer.allocate(length + 1), false);
    return !result.isError();
  }

  /** What the echo checks on the reader's output, and the reader's own promises. */
  private static final class CheckingListener implements FrameReader.Listener {
    private int opcode = -1;
    private boolean compressed;
    private long frameLeft;
    private long messageSize;
    private final Utf8Validator utf8 = new Utf8Validator();
    private MessageInflater inflater;

    @Override
    public void frameStart(int opcode, boolean fin, boolean compressed, boolean messageStart, long length)
        throws ProtocolException {
      assertThat(frameLeft).as("the previous frame ended").isZero();
      assertThat(length).isBetween(0L, MAX_FRAME);
      this.frameLeft = length;
      this.opcode = opcode;
      if (opcode >= FrameReader.CLOSE) {
        assertThat(length).isLessThanOrEqualTo(125);
        assertThat(fin).isTrue();
        return;
      }
      assertThat(opcode).isIn(FrameReader.TEXT, FrameReader.BINARY);
      if (messageStart) {
        this.compressed = compressed;
        messageSize = 0;
        utf8.reset();
      }
    }

    @Override
    public void framePayload(Buffer chunk) throws ProtocolException {
      frameLeft -= chunk.length();
      assertThat(frameLeft).as("payload within the frame's length").isGreaterThanOrEqualTo(0);
      if (opcode >= FrameReader.CLOSE) {
        return;
      }
      if (compressed) {
        if (inflater == null) {
          inflater = new MessageInflater(false);
          inflater.start();
        }
        inflater.push(chunk, false);
        Buffer piece;
        while ((piece = inflater.next(64 * 1024, MAX_MESSAGE - messageSize)) != null) {
          messageSize += piece.length();
          assertThat(messageSize).isLessThanOrEqualTo(MAX_MESSAGE);
          if (opcode == FrameReader.TEXT && !utf8.feed(piece.getBytes(), 0, piece.length())) {
            throw new ProtocolException(CloseCodes.INVALID_PAYLOAD, "invalid UTF-8");
          }
        }
      } else {
        messageSize += chunk.length();
        if (messageSize > MAX_MESSAGE) {
          throw new ProtocolException(CloseCodes.TOO_BIG, "message over the limit");
        }
        if (opcode == FrameReader.TEXT && !utf8.feed(chunk.getBytes(), 0, chunk.length())) {
          throw new ProtocolException(CloseCodes.INVALID_PAYLOAD, "invalid UTF-8");
        }
      }
    }

    @Override
    public void frameEnd() {
      assertThat(frameLeft).as("the whole payload arrived").isZero();
    }

    void close() {
      if (inflater != null) {
        inflater.close();
      }
    }
  }
}
