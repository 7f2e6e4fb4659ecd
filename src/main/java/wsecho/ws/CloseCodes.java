package wsecho.ws;

/** Close status codes of RFC 6455 section 7.4 and the IANA registry. */
final class CloseCodes {

  static final int NORMAL = 1000;
  static final int GOING_AWAY = 1001;
  static final int PROTOCOL_ERROR = 1002;
  static final int INVALID_PAYLOAD = 1007;
  static final int POLICY_VIOLATION = 1008;
  static final int TOO_BIG = 1009;
  static final int INTERNAL_ERROR = 1011;

  private CloseCodes() {}

  /**
   * Whether a peer may send this code in a close frame: 1000-1003 and 1007-1014 (1004 is
   * reserved; 1005, 1006 and 1015 must never be sent), and 3000-4999 for libraries and
   * applications.
   */
  static boolean isValidOnTheWire(int code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  }
}
