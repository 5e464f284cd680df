package dev.runbook.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.util.unit.DataSize;

/** X-Forwarded-For is believed only when it comes from a configured proxy. */
class ClientAddressTest {

    @Test
    void shouldIgnoreForwardedForFromAnUntrustedPeer() {
        ClientAddress addresses = addresses();
        assertThat(addresses.of(request("192.0.2.10", "203.0.113.7"))).isEqualTo("192.0.2.10");
        assertThat(addresses.of(request("192.0.2.10", null))).isEqualTo("192.0.2.10");
    }

    @Test
    void shouldTakeTheNearestUntrustedHopBehindTrustedProxies() {
        ClientAddress addresses = addresses("10.0.0.0/8", "127.0.0.1");
        assertThat(addresses.of(request("10.1.2.3", "203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(addresses.of(request("10.1.2.3", "198.51.100.1, 203.0.113.7, 10.9.9.9")))
                .as("a client cannot pick its address by sending its own header")
                .isEqualTo("203.0.113.7");
        assertThat(addresses.of(request("127.0.0.1", "[2001:db8::1]"))).isEqualTo("2001:db8::1");
        assertThat(addresses.of(request("10.1.2.3", "evil.example, 203.0.113.7")))
                .isEqualTo("203.0.113.7");
        assertThat(addresses.of(request("10.1.2.3", "not-an-address"))).isEqualTo("10.1.2.3");
        assertThat(addresses.of(request("10.1.2.3", "10.4.4.4"))).isEqualTo("10.4.4.4");
    }

    @Test
    void shouldRefuseAProxyThatIsNoAddress() {
        assertThatThrownBy(() -> addresses("proxy.example")).hasMessageContaining("trusted-proxies");
    }

    private static ClientAddress addresses(String... proxies) {
        return new ClientAddress(new SecurityProperties(List.of(proxies), null, DataSize.ofKilobytes(64)));
    }

    private static MockHttpServletRequest request(String peer, String forwardedFor) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/targets");
        request.setRemoteAddr(peer);
        if (forwardedFor != null) {
            request.addHeader("X-Forwarded-For", forwardedFor);
        }
        return request;
    }
}
