package wsecho.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

import java.net.URL;

/** Switches the whole log to {@code log.format}: the text layout, or one JSON object per line. */
public final class LogFormat {

  private LogFormat() {}

  public static void useJson() {
    reconfigure("/logback-json.xml");
  }

  /** Flushes and stops the appenders (the async one holds lines in memory) before the JVM exits. */
  public static void flush() {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.stop();
    }
  }

  private static void reconfigure(String resource) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    URL config = LogFormat.class.getResource(resource);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    context.reset();
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }
}
