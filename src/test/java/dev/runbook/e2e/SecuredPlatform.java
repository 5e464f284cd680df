package dev.runbook.e2e;

import dev.runbook.testsupport.FixtureTarget;
import dev.runbook.testsupport.PlatformTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The one Spring context the security, four-eyes, audit and input tests share: the fixture target "shop" with
 * approval required and a database URI holding a password, the users of FixtureTarget plus {@code dave}
 * (operators, for the lockout test only), {@code erin} (operators, for wrong-password tests) and the agents of
 * the hosts {@code web-1} and {@code web-2} ({@code web1agent}, {@code web2agent}; web-2 silent after 1 s) and a host
 * {@code web-3} whose agent never calls, a short login
 * policy (slowed after 2 failures by 1 s, locked after 4 for 3 s) and 127.0.0.1 as trusted proxy.
 */
@PlatformTest
abstract class SecuredPlatform {

    static final FixtureTarget shop = new FixtureTarget("secured-shop-backend");
    static final String DB_PASSWORD = "Db-S3cret-42";
    static final String DB_URI = "mongodb://shopuser:" + DB_PASSWORD + "@127.0.0.1:27017/shop?authSource=admin";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        shop.register(registry, true);
        registry.add("runbook.identity.users[4].id", () -> "dave");
        registry.add("runbook.identity.users[4].password", () -> "dave-pw");
        registry.add("runbook.identity.users[4].groups[0]", () -> "operators");
        registry.add("runbook.identity.users[5].id", () -> "erin");
        registry.add("runbook.identity.users[5].password", () -> "erin-pw");
        registry.add("runbook.identity.users[5].groups[0]", () -> "operators");
        registry.add("runbook.identity.users[6].id", () -> "web1agent");
        registry.add("runbook.identity.users[6].password", () -> "web1agent-pw");
        registry.add("runbook.identity.users[6].groups[0]", () -> "agents");
        registry.add("runbook.identity.users[7].id", () -> "web2agent");
        registry.add("runbook.identity.users[7].password", () -> "web2agent-pw");
        registry.add("runbook.identity.users[7].groups[0]", () -> "agents");
        registry.add("runbook.hosts.web-1.agent-user", () -> "web1agent");
        registry.add("runbook.hosts.web-2.agent-user", () -> "web2agent");
        registry.add("runbook.hosts.web-2.silent-after", () -> "PT1S");
        registry.add("runbook.hosts.web-3.agent-user", () -> "web3agent");
        registry.add("runbook.targets.shop.database.kind", () -> "mongodb");
        registry.add("runbook.targets.shop.database.uri", () -> DB_URI);
        registry.add("runbook.security.trusted-proxies[0]", () -> "127.0.0.1");
        registry.add("runbook.security.login.slow-after", () -> "2");
        registry.add("runbook.security.login.delay", () -> "PT1S");
        registry.add("runbook.security.login.max-delay", () -> "PT2S");
        registry.add("runbook.security.login.lock-after", () -> "4");
        registry.add("runbook.security.login.lock-duration", () -> "PT3S");
    }
}
