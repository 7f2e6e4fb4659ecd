package wsecho.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Iterator;

/**
 * Standard output written in batches: lines collect in a 64 KiB buffer and reach the file
 * descriptor when whoever wrote a batch calls {@link #flush()} (the {@link BatchingAsyncAppender} in
 * front of it, or the {@link LoggingVerticle} after a batch of message lines), one {@code write(2)}
 * for the batch instead of one per line (Logback's
 * {@code ConsoleAppender} goes through {@code System.out}, which flushes every line).
 *
 * <p>A line is never split between two writes: {@link BufferedOutputStream} empties its buffer
 * before a line that does not fit, so lines from other appenders on the same descriptor land
 * between whole lines. Stopping the appender flushes; it never closes standard output.
 */
public final class StdoutAppender<E> extends OutputStreamAppender<E> {

  static final int BUFFER_BYTES = 64 * 1024;

  private final OutputStream target;

  public StdoutAppender() {
    this(new FileOutputStream(FileDescriptor.out));
  }

  /** For tests: another stream in place of standard output. */
  StdoutAppender(OutputStream target) {
    this.target = target;
  }

  @Override
  public void start() {
    OutputStream stdout = new FilterOutputStream(target) {
      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length); // FilterOutputStream would write byte by byte
      }

      @Override
      public void close() throws IOException {
        flush(); // standard output stays open for everything else
      }
    };
    setOutputStream(new BufferedOutputStream(stdout, BUFFER_BYTES));
    setImmediateFlush(false);
    super.start();
  }

  /**
   * Flushes the standard-output appenders attached to {@code logger}, for a caller that writes a
   * batch of lines itself and wants them out in one write; nothing when the binding is not Logback.
   */
  public static void flushAppendersOf(org.slf4j.Logger logger) {
    if (logger instanceof ch.qos.logback.classic.Logger logback) {
      for (Iterator<Appender<ILoggingEvent>> it = logback.iteratorForAppenders(); it.hasNext(); ) {
        if (it.next() instanceof StdoutAppender<ILoggingEvent> stdout) {
          stdout.flush();
        }
      }
    }
  }

  /** Writes out the lines buffered so far. */
  public void flush() {
    streamWriteLock.lock();
    try {
      if (isStarted()) {
        getOutputStream().flush();
      }
    } catch (IOException e) {
      addError("cannot write to standard output", e);
    } finally {
      streamWriteLock.unlock();
    }
  }
}
