package wsecho.http;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientAddressTest {

  private static final List<String> TWO_PROXIES = List.of("10.0.0.0/8", "192.168.1.7", "fd00::/8");
  private final ClientAddress trustingTwoProxies = ClientAddress.trusting(TWO_PROXIES, ClientAddress.X_FORWARDED_FOR);
  private final ClientAddress readingForwarded = ClientAddress.trusting(TWO_PROXIES, ClientAddress.FORWARDED);

  private static MultiMap headers(String... nameValue) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < nameValue.length; i += 2) {
      headers.add(nameValue[i], nameValue[i + 1]);
    }
    return headers;
  }

  @Test
  void theNearestHopThatIsNotATrustedProxyIsTheClient() {
    assertThat(trustingTwoProxies.forwardedFor(headers("X-Forwarded-For", "203.0.113.7"))).isEqualTo("203.0.113.7");
    // A client may put anything first; only what trusted proxies appended counts.
    assertThat(trustingTwoProxies.forwardedFor(headers("X-Forwarded-For", "1.1.1.1, 203.0.113.7, 10.1.2.3")))
        .isEqualTo("203.0.113.7");
    assertThat(trustingTwoProxies.forwardedFor(headers("X-Forwarded-For", "198.51.100.1", "X-Forwarded-For", "192.168.1.7")))
        .isEqualTo("198.51.100.1");
    assertThat(trustingTwoProxies.forwardedFor(headers())).isNull();
  }

  @Test
  void onlyTheHeaderTheProxiesWriteIsReadSoAClientCannotForgeTheOther() {
    // nginx and HAProxy append to X-Forwarded-For and pass a client's Forwarded through untouched.
    assertThat(trustingTwoProxies.forwardedFor(headers("Forwarded", "for=6.6.6.6", "X-Forwarded-For", "203.0.113.7")))
        .isEqualTo("203.0.113.7");
    assertThat(trustingTwoProxies.forwardedFor(headers("Forwarded", "for=6.6.6.6"))).isNull();
    // And the other way round for proxies that write Forwarded (RFC 7239).
    assertThat(readingForwarded.forwardedFor(headers("Forwarded", "for=198.51.100.17", "X-Forwarded-For", "6.6.6.6")))
        .isEqualTo("198.51.100.17");
    assertThat(readingForwarded.forwardedFor(headers("X-Forwarded-For", "6.6.6.6"))).isNull();
  }

  @Test
  void forwardedKeepsPortsAndIpv6AndIsReadFromTheRight() {
    assertThat(readingForwarded.forwardedFor(headers("Forwarded", "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.9")))
        .isEqualTo("[2001:db8::1]:4711");
    assertThat(readingForwarded.forwardedFor(headers("Forwarded", "For=198.51.100.17:80"))).isEqualTo("198.51.100.17:80");
    assertThat(readingForwarded.forwardedFor(headers("Forwarded", "for=6.6.6.6, for=203.0.113.7;proto=http")))
        .isEqualTo("203.0.113.7");
  }

  @Test
  void refusesWhatIsNotAnAddressOrNetworkWithoutLookingItUp() {
    assertThatThrownBy(() -> ClientAddress.trusting(List.of("10.0.0.0/33"), "x-forwarded-for")).hasMessage("10.0.0.0/33");
    assertThatThrownBy(() -> ClientAddress.trusting(List.of("proxy.example.com"), "x-forwarded-for")).hasMessage("proxy.example.com");
    assertThatThrownBy(() -> ClientAddress.trusting(List.of("10.0.0.0/x"), "x-forwarded-for")).hasMessage("10.0.0.0/x");
    assertThatThrownBy(() -> ClientAddress.trusting(List.of("1.2.3.4.5"), "x-forwarded-for")).hasMessage("1.2.3.4.5");
    assertThat(ClientAddress.trusting(List.of(), "x-forwarded-for").trustsAny()).isFalse();
  }
}
