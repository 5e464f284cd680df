package dev.runbook.security;

import jakarta.servlet.http.HttpServletRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.catalina.util.NetMask;
import org.springframework.stereotype.Component;

/**
 * The address of the client of a request: the socket's peer, or, when that peer is one of
 * {@code runbook.security.trusted-proxies}, the nearest address in {@code X-Forwarded-For} that is not a trusted
 * proxy (read from the right, as each proxy appends its peer). Entries that are not IP literals end the walk; no
 * name is ever looked up in DNS.
 */
@Component
public class ClientAddress {

    private static final Pattern IPV4 =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private final List<NetMask> trusted = new ArrayList<>();

    public ClientAddress(SecurityProperties properties) {
        for (String proxy : properties.trustedProxies()) {
            String address = proxy.contains("/") ? proxy.substring(0, proxy.indexOf('/')) : proxy;
            if (literal(address).isEmpty()) {
                throw new IllegalStateException("runbook.security.trusted-proxies: '" + proxy
                        + "' is not an IP address or CIDR block such as 10.0.0.0/8");
            }
            try {
                trusted.add(new NetMask(proxy));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        "runbook.security.trusted-proxies: '" + proxy + "' is not a valid " + "CIDR block", e);
            }
        }
    }

    /** The client's address (IP literal as text). */
    public String of(HttpServletRequest request) {
        String client = request.getRemoteAddr();
        String forwarded = request.getHeader("X-Forwarded-For");
        if (forwarded == null || !isTrusted(client)) {
            return client;
        }
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = strip(hops[i].trim());
            Optional<InetAddress> address = literal(hop);
            if (address.isEmpty()) {
                return client;
            }
            client = hop;
            if (!trusted.stream().anyMatch(mask -> mask.matches(address.get()))) {
                return client;
            }
        }
        return client;
    }

    private boolean isTrusted(String address) {
        return literal(address)
                .map(a -> trusted.stream().anyMatch(mask -> mask.matches(a)))
                .orElse(false);
    }

    private static String strip(String hop) {
        return hop.startsWith("[") && hop.endsWith("]") ? hop.substring(1, hop.length() - 1) : hop;
    }

    /** The address when the text is an IPv4 or IPv6 literal (parsed without DNS), else empty. */
    static Optional<InetAddress> literal(String text) {
        if (text == null || !(IPV4.matcher(text).matches() || IPV6.matcher(text).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
