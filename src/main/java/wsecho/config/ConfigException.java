package wsecho.config;

/** A configuration the service refuses to start with; the message is the one line the user sees. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message, null, false, false);
  }

  static ConfigException badValue(String key, Object value, String expected) {
    String shown = value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    return new ConfigException("Invalid configuration: " + key + " = " + shown + " (expected " + expected + ")");
  }
}
