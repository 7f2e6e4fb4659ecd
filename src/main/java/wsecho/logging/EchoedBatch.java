package wsecho.logging;

import java.util.List;

/**
 * The log lines one echo instance sends to the cluster together (what gathered in its outbox during
 * {@link MessageLog#OUTBOX_FLUSH_MS}): one event-bus message per burst instead of one per line. A logger
 * that has handled a batch answers on {@code ackAddress} with its {@code id}; until then its lines
 * count against {@code log.queueCapacity} on the echo side.
 *
 * @param version    the wire format it came in; a logger that does not know it prints nothing but still acknowledges
 * @param ackAddress null only for a batch too short to name it
 * @param messages   empty when the version is unknown or the batch malformed
 */
public record EchoedBatch(int version, long id, String ackAddress, List<EchoedMessage> messages) {

  public boolean readable() {
    return version == EchoedBatchCodec.VERSION;
  }

  /** It came from the wire but could not be read. */
  public boolean malformed() {
    return version == EchoedBatchCodec.MALFORMED;
  }
}
