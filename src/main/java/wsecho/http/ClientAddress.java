package wsecho.http;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Who a request came from: the TCP peer, or, only when the peer is one of {@code http.trustedProxies},
 * the address the proxies forwarded in the one header they write ({@code http.forwardedHeader}:
 * {@code X-Forwarded-For}, or {@code Forwarded: for=}), read from the right: the nearest address
 * that is not itself a trusted proxy is the client. Headers from anyone else are ignored, and so is
 * the other header even from a trusted proxy (it passes a client's copy through untouched), so
 * nobody can write an address of their choosing into the logs.
 */
public final class ClientAddress {

  /** The values of {@code http.forwardedHeader}. */
  public static final String X_FORWARDED_FOR = "x-forwarded-for";
  public static final String FORWARDED = "forwarded";

  private final List<IpSubnetFilterRule> trusted;
  private final boolean rfc7239;

  private ClientAddress(List<IpSubnetFilterRule> trusted, boolean rfc7239) {
    this.trusted = trusted;
    this.rfc7239 = rfc7239;
  }

  /**
   * @param cidrs  addresses or networks, {@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code fd00::/8}
   * @param header {@link #X_FORWARDED_FOR} or {@link #FORWARDED}: the header the trusted proxies write
   * @throws IllegalArgumentException naming the first that is not one
   */
  public static ClientAddress trusting(List<String> cidrs, String header) {
    List<IpSubnetFilterRule> rules = new ArrayList<>();
    for (String cidr : cidrs) {
      rules.add(rule(cidr));
    }
    return new ClientAddress(List.copyOf(rules), FORWARDED.equals(header));
  }

  private static IpSubnetFilterRule rule(String cidr) {
    String address = cidr.trim();
    int slash = address.indexOf('/');
    String ip = slash < 0 ? address : address.substring(0, slash);
    if (!isIpLiteral(ip)) {
      throw new IllegalArgumentException(cidr);
    }
    int bits = ip.contains(":") ? 128 : 32;
    int prefix;
    try {
      prefix = slash < 0 ? bits : Integer.parseInt(address.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(cidr);
    }
    if (prefix < 0 || prefix > bits) {
      throw new IllegalArgumentException(cidr);
    }
    return new IpSubnetFilterRule(ip, prefix, IpFilterRuleType.ACCEPT);
  }

  /** An IPv4 or IPv6 literal, never a host name (which would mean a DNS lookup). */
  private static boolean isIpLiteral(String ip) {
    return NetUtil.isValidIpV4Address(ip) || NetUtil.isValidIpV6Address(ip);
  }

  public boolean trustsAny() {
    return !trusted.isEmpty();
  }

  /**
   * Every address the request came through, for {@code /info} and the HTTP echo: {@code peer}, the
   * TCP peer (the proxy itself when the connection began with a PROXY header); {@code proxyProtocol},
   * the source that header named, if any; {@code forwarded}, what a trusted proxy's header named, if
   * believed; {@code address}, the one the service uses (in the lines).
   */
  public JsonObject describe(HttpServerRequest request) {
    SocketAddress named = request.connection().remoteAddress();
    SocketAddress peer = request.connection().remoteAddress(true);
    String proxied = named == null || named.equals(peer) ? null : named.toString();
    String address = of(request);
    return new JsonObject()
        .put("peer", String.valueOf(peer))
        .put("proxyProtocol", proxied)
        .put("forwarded", address.equals(String.valueOf(named)) ? null : address)
        .put("address", address);
  }

  /**
   * The client's address for logs and {@code /info}: the peer's (as a PROXY header names it, with
   * {@code http.proxyProtocol}), or the forwarded one when that peer is a trusted proxy.
   */
  public String of(HttpServerRequest request) {
    SocketAddress peer = request.connection().remoteAddress();
    if (trusted.isEmpty() || peer == null || !isTrusted(peer.hostAddress())) {
      return String.valueOf(peer);
    }
    String forwarded = forwardedFor(request.headers());
    return forwarded != null ? forwarded : String.valueOf(peer);
  }

  /** The address the trusted proxies forwarded, or null when they named none. */
  String forwardedFor(MultiMap headers) {
    List<String> hops = new ArrayList<>();
    if (rfc7239) {
      for (String header : headers.getAll("Forwarded")) {
        for (String element : header.split(",")) {
          for (String pair : element.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
              hops.add(unquote(pair.substring(eq + 1).trim()));
            }
          }
        }
      }
    } else {
      for (String header : headers.getAll("X-Forwarded-For")) {
        for (String hop : header.split(",")) {
          hops.add(hop.trim());
        }
      }
    }
    // From the nearest hop outwards: the first one that is not a trusted proxy is the client.
    for (int i = hops.size() - 1; i >= 0; i--) {
      String hop = hops.get(i);
      if (hop.isEmpty()) {
        return null;
      }
      if (i == 0 || !isTrusted(hostOf(hop))) {
        return hop;
      }
    }
    return null;
  }

  private static String unquote(String value) {
    return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
  }

  /** The address part of a hop: {@code 1.2.3.4:5678} and {@code [2001:db8::1]:80} keep only the address. */
  private static String hostOf(String hop) {
    if (hop.startsWith("[")) {
      int end = hop.indexOf(']');
      return end > 0 ? hop.substring(1, end) : hop;
    }
    int colon = hop.indexOf(':');
    return colon > 0 && hop.indexOf(':', colon + 1) < 0 ? hop.substring(0, colon) : hop;
  }

  private boolean isTrusted(String ip) {
    if (ip == null || !isIpLiteral(ip)) {
      return false;
    }
    InetSocketAddress address = new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(ip), 0);
    for (IpSubnetFilterRule rule : trusted) {
      if (rule.matches(address)) {
        return true;
      }
    }
    return false;
  }
}
