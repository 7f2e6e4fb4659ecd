package wsecho.config;

/** A configuration the service refuses to start with; the message is the one line the user sees. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message, null, false, false);
  }

  static ConfigException badValue(String key, Object value, String expected) {
    String shown = value instanceof String s ? "\"" + printable(s) + "\"" : printable(String.valueOf(value));
    return new ConfigException("Invalid configuration: " + key + " = " + shown + " (expected " + expected + ")");
  }

  /** Control characters escaped, so the refusal stays one line whatever the value held. */
  static String printable(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
              || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
