package wsecho.config;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.LinkedHashSet;

/**
 * Reads typed settings from the configuration layers, in rising precedence: defaults in code,
 * the config file (nested JSON), environment variables, system properties.
 *
 * <p>One naming rule for every key: the environment name is the dotted path upper-cased with dots
 * and camel-case boundaries as underscores ({@code websocket.maxMessageSize} ->
 * {@code WEBSOCKET_MAX_MESSAGE_SIZE}); the system property is the dotted path itself.
 */
final class ConfigLayers {

  private final JsonObject file;
  private final Map<String, ?> env;
  private final Map<String, ?> sys;
  private final Set<String> known = new LinkedHashSet<>(); // in the order they are read

  ConfigLayers(JsonObject file, Map<String, ?> env, Map<String, ?> sys) {
    this.file = file;
    this.env = env;
    this.sys = sys;
  }

  static String envName(String key) {
    return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  String string(String key, String defaultValue) {
    Object raw = raw(key, defaultValue);
    if (!(raw instanceof String s)) {
      throw ConfigException.badValue(key, raw, "a string");
    }
    return s;
  }

  int integer(String key, int defaultValue, int min, int max) {
    return (int) longInteger(key, defaultValue, min, max);
  }

  long longInteger(String key, long defaultValue, long min, long max) {
    Object raw = raw(key, defaultValue);
    long value;
    if (raw instanceof Integer || raw instanceof Long) {
      value = ((Number) raw).longValue();
    } else if (raw instanceof String s && s.trim().matches("[+-]?\\d{1,18}")) {
      value = Long.parseLong(s.trim());
    } else {
      value = Long.MIN_VALUE;
    }
    if (value < min || value > max) {
      throw ConfigException.badValue(key, raw, "an integer from " + min + " to " + max);
    }
    return value;
  }

  /**
   * A byte count, or a share of the maximum heap such as {@code 25%}: a budget that follows the
   * heap a container's memory limit gives the JVM.
   */
  long bytesOrHeapShare(String key, String defaultValue, long min) {
    Object raw = raw(key, defaultValue);
    if (raw instanceof String s && s.trim().matches("\\d{1,3}%")) {
      int percent = Integer.parseInt(s.trim().substring(0, s.trim().length() - 1));
      if (percent < 1 || percent > 100) {
        throw ConfigException.badValue(key, raw, "a byte count, or a share of the heap from 1% to 100%");
      }
      return Math.max(min, Runtime.getRuntime().maxMemory() / 100 * percent);
    }
    try {
      return longInteger(key, 0, min, Long.MAX_VALUE);
    } catch (ConfigException e) {
      throw ConfigException.badValue(key, raw, "a byte count of at least " + min + ", or a share of the heap such as 25%");
    }
  }

  boolean bool(String key, boolean defaultValue) {
    Object raw = raw(key, defaultValue);
    if (raw instanceof Boolean b) {
      return b;
    }
    if (raw instanceof String s && (s.trim().equalsIgnoreCase("true") || s.trim().equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s.trim());
    }
    throw ConfigException.badValue(key, raw, "true or false");
  }

  /** A list: a JSON array of strings in the file, comma-separated in the environment or a property. */
  List<String> list(String key, List<String> defaultValue) {
    Object raw = raw(key, defaultValue);
    List<String> values = new ArrayList<>();
    if (raw instanceof String s) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          values.add(part.trim());
        }
      }
      return List.copyOf(values);
    }
    Iterable<?> items = raw instanceof io.vertx.core.json.JsonArray array ? array : raw instanceof List<?> l ? l : null;
    if (items == null) {
      throw ConfigException.badValue(key, raw, "a list of strings");
    }
    for (Object item : items) {
      if (!(item instanceof String s) || s.isBlank()) {
        throw ConfigException.badValue(key, raw, "a list of strings");
      }
      values.add(s.trim());
    }
    return List.copyOf(values);
  }

  /** Every key read so far, in reading order. */
  List<String> knownKeys() {
    return List.copyOf(known);
  }

  /** Refuses keys in the file that no setting reads: a typo must not pass as a default. */
  void refuseUnknownFileKeys(String fileName) {
    List<String> unknown = new ArrayList<>();
    collectLeaves(file, "", unknown);
    unknown.removeIf(known::contains);
    if (!unknown.isEmpty()) {
      throw new ConfigException("Invalid configuration: unknown key " + ConfigException.printable(unknown.get(0)) + " in " + fileName
          + " (known keys: " + String.join(", ", known) + ")");
    }
  }

  private Object raw(String key, Object defaultValue) {
    known.add(key);
    Object value = sys.get(key);
    if (value == null) {
      value = env.get(envName(key));
    }
    if (value == null) {
      value = fileValue(key);
    }
    return value == null ? defaultValue : value;
  }

  private Object fileValue(String key) {
    Object node = file;
    for (String part : key.split("\\.")) {
      if (!(node instanceof JsonObject object)) {
        return null;
      }
      node = object.getValue(part);
    }
    return node;
  }

  private static void collectLeaves(JsonObject object, String prefix, List<String> out) {
    for (String name : object.fieldNames()) {
      Object value = object.getValue(name);
      if (value instanceof JsonObject child) {
        collectLeaves(child, prefix + name + ".", out);
      } else {
        out.add(prefix + name);
      }
    }
  }
}
