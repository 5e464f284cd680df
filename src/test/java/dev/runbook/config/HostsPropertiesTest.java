package dev.runbook.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runbook.config.HostsProperties.Host;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Host names and agent users: which host an agent's user is for, and the configurations refused at start-up. */
class HostsPropertiesTest {

    @Test
    void shouldTellWhichHostAnAgentUserIsFor() {
        HostsProperties hosts =
                new HostsProperties(Map.of("web-1", new Host("web1agent", null), "web-2", new Host("web2agent", null)));
        assertThat(hosts.hostOfAgent("web2agent")).contains("web-2");
        assertThat(hosts.hostOfAgent("alice")).isEmpty();
        assertThat(new HostsProperties(null).hostOfAgent("web1agent")).isEmpty();
    }

    @Test
    void shouldRefuseBadHostNamesLocalAndASharedAgentUser() {
        for (String name : new String[] {"local", "Web-1", "-web", "web_1", "web.1", "a".repeat(64), "../x"}) {
            assertThatThrownBy(() -> new HostsProperties(Map.of(name, new Host("agent", null))))
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("runbook.hosts." + name);
        }
        Map<String, Host> shared = new LinkedHashMap<>();
        shared.put("web-1", new Host("agent", null));
        shared.put("web-2", new Host("agent", null));
        assertThatThrownBy(() -> new HostsProperties(shared)).hasMessageContaining("its own agent-user");
    }
}
