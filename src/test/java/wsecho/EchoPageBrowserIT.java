package wsecho;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;
import wsecho.config.EchoConfig;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page in a real browser: Debian's headless Chromium driven by Selenium, against the real
 * service. Both paths are given explicitly, so nothing tries to download a driver or a browser.
 */
class EchoPageBrowserIT {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static Path profile;

  private WebDriver browser;
  private Vertx vertx;
  private EchoConfig config;

  @BeforeAll
  static void makeProfiles() throws IOException {
    profile = Files.createTempDirectory("ws-echo-chromium");
  }

  @BeforeEach
  void start() throws Exception {
    config = TestService.config(new JsonObject().put("http", new JsonObject().put("host", "0.0.0.0")));
    startService();
    ChromeOptions options = new ChromeOptions()
        .setBinary("/usr/bin/chromium")
        .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1200,900", "--ignore-certificate-errors", "--user-data-dir=" + Files.createTempDirectory(profile, "run"));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService driver = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File("/usr/bin/chromedriver"))
        .usingAnyFreePort()
        .build();
    browser = new ChromeDriver(driver, options);  // quit() stops this driver process too
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    stopService();
  }

  private void startService() throws Exception {
    vertx = Vertx.vertx();
    EchoService.deploy(vertx, config).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private void stopService() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(40, TimeUnit.SECONDS);
      vertx = null;
    }
  }

  private void open(String host) {
    browser.get("http://" + host + ":" + config.http().port() + "/");
    awaitStatus("Connected");
  }

  private void awaitStatus(String text) {
    new WebDriverWait(browser, WAIT).until(b -> status().contains(text) && !status().contains("Dis" + text.toLowerCase()));
  }

  private String status() {
    return browser.findElement(By.id("status")).getText();
  }

  /** Waits for an echoed entry whose text starts with the message, and returns that entry's text. */
  private String awaitEcho(String message) {
    return new WebDriverWait(browser, WAIT).until(b -> {
      for (WebElement text : b.findElements(By.cssSelector("#output .echoed .text"))) {
        String shown = text.getText();
        if (shown.startsWith(message + " (")) {
          return shown;
        }
      }
      return null;
    });
  }

  private void typeAndPressEnter(String message) {
    WebElement input = browser.findElement(By.id("input"));
    input.sendKeys(message, Keys.ENTER);
  }

  /** For what chromedriver cannot type (characters outside the BMP, long strings). */
  private void setInputAndClickSend(String message) {
    ((JavascriptExecutor) browser).executeScript("document.getElementById('input').value = arguments[0]", message);
    browser.findElement(By.id("send")).click();
  }

  private List<LogEntry> consoleErrors() {
    return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .toList();
  }

  @Test
  void echoesEveryKindOfTextIntoTheLogAsText() throws IOException {
    open("localhost");
    typeAndPressEnter("hello from chromium");
    awaitEcho("hello from chromium");
    typeAndPressEnter("你好，世界");
    awaitEcho("你好，世界");
    setInputAndClickSend("emoji 😀👍🏽🇫🇷");
    awaitEcho("emoji 😀👍🏽🇫🇷");
    typeAndPressEnter("<b>x</b>");
    assertThat(awaitEcho("<b>x</b>")).startsWith("<b>x</b>");
    String tenKilobytes = "0123456789".repeat(1024);
    setInputAndClickSend(tenKilobytes);
    awaitEcho(tenKilobytes);

    // The markup arrived as text: no element was made from it.
    assertThat(browser.findElements(By.cssSelector("#output b"))).isEmpty();
    assertThat(browser.findElement(By.id("mismatches")).getText()).isEqualTo("0");
    assertThat(consoleErrors()).isEmpty();
    screenshot("echo-page.png");
  }

  @Test
  void echoesBinaryAndReportsThatItMatches() {
    open("localhost");
    WebElement size = browser.findElement(By.id("random-size"));
    size.clear();
    size.sendKeys("4096");
    browser.findElement(By.id("send-random")).click();
    String echoed = new WebDriverWait(browser, WAIT).until(b -> b.findElements(By.cssSelector("#output .echoed .text"))
        .stream().map(WebElement::getText).filter(t -> t.startsWith("[binary 4096 bytes]")).findFirst().orElse(null));
    assertThat(echoed).contains("matches what was sent");
    assertThat(consoleErrors()).isEmpty();
  }

  @Test
  void connectsWhenLoadedThroughLocalhostAnd127001() {
    open("localhost");
    assertThat(browser.findElement(By.id("url")).getAttribute("value"))
        .isEqualTo("ws://localhost:" + config.http().port() + "/ws/echo");
    open("127.0.0.1");
    assertThat(browser.findElement(By.id("url")).getAttribute("value"))
        .isEqualTo("ws://127.0.0.1:" + config.http().port() + "/ws/echo");
    typeAndPressEnter("via 127.0.0.1");
    awaitEcho("via 127.0.0.1");
    assertThat(consoleErrors()).isEmpty();
  }

  static List<ReverseProxy.Setup> proxies() {
    List<ReverseProxy.Setup> setups = new java.util.ArrayList<>();
    for (ReverseProxy.Kind kind : ReverseProxy.Kind.values()) {
      for (boolean tls : new boolean[] {false, true}) {
        for (ReverseProxy.Routing routing : ReverseProxy.Routing.values()) {
          setups.add(ReverseProxy.Setup.of(kind, routing, tls));
        }
      }
    }
    return setups;
  }

  @ParameterizedTest(name = "behind {0}")
  @MethodSource("proxies")
  void connectsAndEchoesBehindAProxyHoweverItRoutesToTheService(ReverseProxy.Setup setup) throws Exception {
    try (ReverseProxy proxy = ReverseProxy.start(config.http().port(), setup)) {
      browser.get(proxy.httpBase() + "/ws/echo_display");
      awaitStatus("Connected");
      assertThat(browser.findElement(By.id("url")).getAttribute("value")).isEqualTo(proxy.wsBase() + "/ws/echo");
      typeAndPressEnter("through " + setup);
      awaitEcho("through " + setup);
      new WebDriverWait(browser, WAIT).until(b -> browser.findElement(By.id("served-by")).getText().startsWith("served by "));
      assertThat(browser.findElement(By.id("mismatches")).getText()).isEqualTo("0");
      assertThat(consoleErrors()).as("every file the page loads was found").isEmpty();
    }
  }

  @Test
  void showsDisconnectedWithACodeAndReconnectsWhenTheServerComesBack() throws Exception {
    open("localhost");
    assertThat(consoleErrors()).isEmpty();

    stopService();
    new WebDriverWait(browser, WAIT).until(b -> status().matches("Disconnected \\(code \\d{4}.*"));

    startService();
    awaitStatus("Connected");
    typeAndPressEnter("after the restart");
    awaitEcho("after the restart");
    screenshot("echo-page-after-restart.png");
  }

  @Test
  void burstButtonReportsThroughput() {
    open("localhost");
    WebElement count = browser.findElement(By.id("burst-count"));
    count.clear();
    count.sendKeys("2000");
    browser.findElement(By.id("burst")).click();
    String result = new WebDriverWait(browser, WAIT).until(b -> {
      String text = b.findElement(By.id("burst-result")).getText();
      return text.contains("echoed in") ? text : null;
    });
    assertThat(result).matches("2000 echoed in \\d+ ms \\(\\d+ msg/s\\)");
    assertThat(browser.findElement(By.id("echoed-count")).getText()).isEqualTo("2000");
    // The DOM keeps at most 500 entries, the counter keeps counting.
    assertThat(browser.findElements(By.cssSelector("#output .entry")).size()).isLessThanOrEqualTo(500);
    assertThat(browser.findElement(By.id("log-count")).getText()).startsWith("4001 entries");
    assertThat(consoleErrors()).isEmpty();
  }

  private void screenshot(String name) throws IOException {
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.createDirectories(Path.of("target"));
    Files.copy(shot, Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
  }
}
