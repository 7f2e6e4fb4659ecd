package wsecho.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the three configuration layers: whatever the file, the environment
 * and the system properties hold, the outcome is a valid config or one {@link ConfigException}
 * line naming the key and value, never another exception.
 */
class ConfigFuzzTest {

  private static final List<String> KEYS = ConfigLoader.keys();

  @FuzzTest
  void anyLayersGiveAConfigOrOneLineNamingTheKey(FuzzedDataProvider data) {
    JsonObject file;
    try {
      file = new JsonObject(data.consumeString(400));
    } catch (DecodeException | ClassCastException notAnObject) {
      file = new JsonObject();
    }
    Map<String, String> env = new HashMap<>();
    Map<String, String> properties = new HashMap<>();
    int settings = data.consumeInt(0, 6);
    for (int i = 0; i < settings; i++) {
      String key = data.pickValue(KEYS);
      String value = data.consumeString(40);
      if (data.consumeBoolean()) {
        env.put(ConfigLoader.envName(key), value);
      } else {
        properties.put(key, value);
      }
    }
    try {
      EchoConfig config = ConfigLoader.fromLayers(file, env, properties, "config.json");
      assertThat(config.http().port()).isBetween(0, 65535);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).startsWith("Invalid configuration: ").doesNotContain("\n");
    }
  }
}
