package wsecho.logging;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Stands in for standard output in the appender tests: each write(2) the appender would make, and whether it closed. */
class RecordingStream extends OutputStream {

  final List<String> writes = new CopyOnWriteArrayList<>();
  volatile boolean closed;

  @Override
  public void write(int b) {
    writes.add(String.valueOf((char) b));
  }

  @Override
  public void write(byte[] bytes, int offset, int length) {
    writes.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
  }

  @Override
  public void close() {
    closed = true;
  }
}
