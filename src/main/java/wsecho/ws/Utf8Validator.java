package wsecho.ws;

/**
 * Incremental UTF-8 validation (RFC 3629), byte by byte, so that a bad byte is caught as soon as
 * it arrives and a character split across frames is carried over. Björn Höhrmann's DFA: it
 * refuses overlong forms, surrogates and code points above U+10FFFF.
 */
final class Utf8Validator {

  static final int ACCEPT = 0;
  static final int REJECT = 12;

  // Byte -> character class.
  private static final byte[] CLASSES = new byte[256];
  // (state + class) -> next state.
  private static final byte[] TRANSITIONS = {
      0, 12, 24, 36, 60, 96, 84, 12, 12, 12, 48, 72, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
      12, 0, 12, 12, 12, 12, 12, 0, 12, 0, 12, 12, 12, 24, 12, 12, 12, 12, 12, 24, 12, 24, 12, 12,
      12, 12, 12, 12, 12, 12, 12, 24, 12, 12, 12, 12, 12, 24, 12, 12, 12, 12, 12, 12, 12, 24, 12, 12,
      12, 12, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12, 12, 36, 12, 12, 12, 12, 12, 36, 12, 36, 12, 12,
      12, 36, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
  };

  static {
    for (int b = 0x80; b <= 0x8f; b++) CLASSES[b] = 1;
    for (int b = 0x90; b <= 0x9f; b++) CLASSES[b] = 9;
    for (int b = 0xa0; b <= 0xbf; b++) CLASSES[b] = 7;
    CLASSES[0xc0] = 8;
    CLASSES[0xc1] = 8;
    for (int b = 0xc2; b <= 0xdf; b++) CLASSES[b] = 2;
    CLASSES[0xe0] = 10;
    for (int b = 0xe1; b <= 0xec; b++) CLASSES[b] = 3;
    CLASSES[0xed] = 4;
    CLASSES[0xee] = 3;
    CLASSES[0xef] = 3;
    CLASSES[0xf0] = 11;
    for (int b = 0xf1; b <= 0xf3; b++) CLASSES[b] = 6;
    CLASSES[0xf4] = 5;
    for (int b = 0xf5; b <= 0xff; b++) CLASSES[b] = 8;
  }

  private int state = ACCEPT;

  /** Feeds bytes; returns false as soon as they cannot be valid UTF-8, whatever follows. */
  boolean feed(byte[] bytes, int offset, int length) {
    int s = state;
    for (int i = offset, end = offset + length; i < end; i++) {
      byte b = bytes[i];
      if (b >= 0 && s == ACCEPT) {
        continue; // ASCII fast path
      }
      s = TRANSITIONS[s + CLASSES[b & 0xff]];
      if (s == REJECT) {
        state = REJECT;
        return false;
      }
    }
    state = s;
    return true;
  }

  /** True when the bytes so far end on a character boundary: where a text message may end. */
  boolean complete() {
    return state == ACCEPT;
  }

  void reset() {
    state = ACCEPT;
  }

  static boolean isValid(byte[] bytes) {
    Utf8Validator validator = new Utf8Validator();
    return validator.feed(bytes, 0, bytes.length) && validator.complete();
  }
}
