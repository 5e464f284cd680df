package dev.runbook.testsupport;

import static dev.runbook.testsupport.ApiClient.as;
import static dev.runbook.testsupport.ApiClient.awaitHostStatus;

import io.restassured.RestAssured;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Hosts of target "shop" on this machine: each a network namespace joined to it by a veth pair, with its own disk (a
 * directory of its own bind-mounted at the target's root in the mount namespace its agent runs in, so its releases,
 * {@code current} and PM2 daemon are its own, at the path every host uses) and its agent. The apps listen on the hosts'
 * addresses. Needs root ({@link HostNamespace#available}).
 */
public final class HostFleet implements AutoCloseable {

    private final FixtureTarget shop;
    private final List<String> hosts;
    private final Map<String, HostNamespace> namespaces = new LinkedHashMap<>();
    private final List<AgentProcess> agents = new ArrayList<>();

    /** Makes the hosts' namespaces (their agents start later, once the platform listens: {@link #startAgents}). */
    public HostFleet(FixtureTarget shop, List<String> hosts) {
        this.shop = shop;
        this.hosts = List.copyOf(hosts);
        for (String host : hosts) {
            namespaces.put(host, HostNamespace.create(host.replace("-", "")));
        }
    }

    /**
     * Registers the hosts for target "shop" (users {@code firstUserIndex} on, agent users {@code web1agent} ...). Call
     * from the class's {@code @DynamicPropertySource}, before the fleet exists.
     */
    public static void register(
            DynamicPropertyRegistry registry, FixtureTarget shop, int firstUserIndex, List<String> hosts) {
        for (int i = 0; i < hosts.size(); i++) {
            shop.registerHost(registry, firstUserIndex + i, hosts.get(i), agentUser(hosts.get(i)));
        }
    }

    private static String agentUser(String host) {
        return host.replace("-", "") + "agent";
    }

    /**
     * Starts each host's agent in its namespace, on its own disk, with the target's properties and whatever
     * {@code hostConfiguration} adds to one host's (its own configuration), and waits until every host is UP.
     */
    public void startAgents(Map<String, String> extra, Map<String, Map<String, String>> hostConfiguration)
            throws Exception {
        for (String host : hosts) {
            HostNamespace ns = namespaces.get(host);
            Path disk = Files.createDirectories(shop.root.resolve(host + "-disk"));
            Map<String, String> properties =
                    shop.agentProperties(host, "http://" + ns.platformAddress + ":" + RestAssured.port);
            // Camunda's engine REST keeps one long-polling handler per JVM (a static of FetchAndLockContextListener):
            // in the test JVM the first platform context's handler serves all later ones, and a context closed before
            // (DirtiesContext) stops it for them all, so a waiting fetch is answered only when it times out. A short
            // poll keeps a step's dispatch within 2 s here; a platform of its own (one context per JVM) wakes at once.
            properties.put("runbook.agent.poll", "PT2S");
            properties.putAll(extra);
            properties.putAll(hostConfiguration.getOrDefault(host, Map.of()));
            String user = agentUser(host);
            agents.add(AgentProcess.start(
                    ns.prefixWithDisk(disk, shop.home),
                    properties,
                    Map.of("PM2_HOME", shop.root.resolve(host + "-pm2").toString()),
                    user,
                    user + "-pw",
                    shop.root.resolve(host + "-agent.log")));
        }
        for (String host : hosts) {
            awaitHostStatus(host, "UP");
        }
    }

    /** The host's own disk (what its agent sees at the target's root). */
    public Path disk(String host) {
        return shop.root.resolve(host + "-disk");
    }

    /** The health URL of the app on the host's address. */
    public URI url(String host) {
        return URI.create("http://" + namespaces.get(host).address + ":" + shop.port + "/api/health");
    }

    /** What the host's app answers. */
    public String served(String host) {
        return FixtureTarget.body(url(host));
    }

    /**
     * Publishes a release on branch {@code rolling-<version>} that listens on every address of its host and, when
     * {@code crashesWhereConfigured}, exits at boot where its host's configuration sets {@code CRASH_HERE}; returns the
     * branch.
     */
    public String release(String version, boolean crashesWhereConfigured) {
        shop.publish("rolling-" + version, Map.of("backend/src/main.js", """
                const http = require('http');
                if (%s && process.env.CRASH_HERE === 'yes') {
                  console.error('%s cannot start: CRASH_HERE is set in this host\\'s configuration');
                  process.exit(1);
                }
                http.createServer((req, res) => {
                  res.writeHead(200, { 'Content-Type': 'application/json' });
                  res.end(JSON.stringify({ status: 'ok', version: '%s' }));
                }).listen(Number(process.env.PORT), '0.0.0.0');
                """.formatted(
                        crashesWhereConfigured, version, version)));
        return "rolling-" + version;
    }

    /** The hosts of a step's successful runs in a run, in the order they ended. */
    public static List<String> hostsOf(String runId, String activityId) {
        return as("admin")
                .get("/engine-rest/history/external-task-log?successLog=true&activityIdIn=" + activityId
                        + "&processInstanceId=" + runId + "&sortBy=timestamp&sortOrder=asc")
                .jsonPath()
                .getList("workerId", String.class);
    }

    @Override
    public void close() {
        agents.forEach(AgentProcess::close);
        namespaces.values().forEach(HostNamespace::close);
    }
}
