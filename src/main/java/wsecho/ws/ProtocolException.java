package wsecho.ws;

/** A peer broke the protocol: the connection is closed with this code and reason. */
final class ProtocolException extends Exception {

  final short code;

  ProtocolException(int code, String reason) {
    super(reason, null, false, false);
    this.code = (short) code;
  }
}
