package wsecho.config;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The file layer read through vertx-config. */
@ExtendWith(VertxExtension.class)
class ConfigLoaderTest {

  @Test
  void readsANamedFile(Vertx vertx, VertxTestContext context, @TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("c.json"), "{\"http\": {\"port\": 9123}, \"log\": {\"maxChars\": 9}}");
    ConfigLoader.load(vertx, file.toString()).onComplete(context.succeeding(config -> context.verify(() -> {
      assertThat(config.http().port()).isEqualTo(9123);
      assertThat(config.log().maxChars()).isEqualTo(9);
      context.completeNow();
    })));
  }

  @Test
  void refusesMalformedJsonWithOneLine(Vertx vertx, VertxTestContext context, @TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("bad.json"), "{\"http\": {\"port\": 80,}");
    ConfigLoader.load(vertx, file.toString()).onComplete(context.failing(failure -> context.verify(() -> {
      assertThat(failure).isInstanceOf(ConfigException.class);
      assertThat(failure.getMessage()).startsWith("Invalid configuration: " + file + " is not valid JSON").doesNotContain("\n");
      context.completeNow();
    })));
  }

  @Test
  void refusesANamedFileThatDoesNotExist(Vertx vertx, VertxTestContext context, @TempDir Path dir) {
    String missing = dir.resolve("missing.json").toString();
    ConfigLoader.load(vertx, missing).onComplete(context.failing(failure -> context.verify(() -> {
      assertThat(failure).hasMessage("Invalid configuration: config file " + missing + " does not exist");
      context.completeNow();
    })));
  }
}
