package dev.runbook.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runbook.config.HostsProperties;
import dev.runbook.host.HostContacts;
import dev.runbook.process.HostBound;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.camunda.bpm.engine.ExternalTaskService;
import org.camunda.bpm.engine.externaltask.ExternalTask;
import org.springframework.http.HttpHeaders;

/**
 * Keeps a host's agent to its own host's steps: {@link AccessRules} lets a member of {@code agents} call only the
 * external task endpoints; here a fetch must name only its host's topic ({@link HostBound#topic}), and a report
 * (complete, failure, BPMN error, lock extension, unlock) must be about a task of that topic. The host is the one whose
 * {@code runbook.hosts.<host>.agent-user} the caller signed in as. Enforced by the platform, whatever the agent sends.
 */
class AgentScope {

    /** A fetch's body is a few hundred bytes; anything far larger is not one. */
    static final int MAX_FETCH_BODY = 64 * 1024;

    private static final String FETCH = "/engine-rest/external-task/fetchAndLock";
    private static final Pattern TASK_CALL =
            Pattern.compile("/engine-rest/external-task/([^/]+)/(complete|failure|bpmnError|extendLock|unlock)");

    private final HostsProperties hosts;
    private final ExternalTaskService externalTasks;
    private final ObjectMapper json;
    private final HostContacts contacts;
    private final ClientAddress addresses;

    AgentScope(
            HostsProperties hosts,
            ExternalTaskService externalTasks,
            ObjectMapper json,
            HostContacts contacts,
            ClientAddress addresses) {
        this.hosts = hosts;
        this.externalTasks = externalTasks;
        this.json = json;
        this.contacts = contacts;
        this.addresses = addresses;
    }

    /**
     * Whether agent {@code userId} may make this call: the request to pass on (a fetch's body, read here, can be read
     * again) or why not. An allowed call is the host's contact ({@link HostContacts}).
     */
    Decision check(HttpServletRequest request, String userId, String path) throws IOException {
        Optional<String> host = hosts.hostOfAgent(userId);
        if (host.isEmpty()) {
            return Decision.refused(userId + " is in group agents but no host's agent-user (runbook.hosts.<host>"
                    + ".agent-user): it may fetch no step");
        }
        Decision decision = decide(request, host.get(), path);
        if (decision.refusal() == null) {
            contacts.record(host.get(), userId, addresses.of(request), client(request));
        }
        return decision;
    }

    private Decision decide(HttpServletRequest request, String host, String path) throws IOException {
        String topic = HostBound.topic(host);
        if (FETCH.equals(path)) {
            byte[] body = request.getInputStream().readNBytes(MAX_FETCH_BODY + 1);
            if (body.length > MAX_FETCH_BODY) {
                return Decision.refused("a fetch body larger than " + MAX_FETCH_BODY + " bytes");
            }
            String wrong = wrongTopic(body, topic);
            return wrong == null
                    ? Decision.allowed(new ReadAgain(request, body))
                    : Decision.refused(
                            "the agent of host " + host + " may fetch only topic " + topic + ", not " + wrong);
        }
        Matcher call = TASK_CALL.matcher(path);
        if (call.matches()) {
            ExternalTask task = externalTasks
                    .createExternalTaskQuery()
                    .externalTaskId(call.group(1))
                    .singleResult();
            if (task != null && !topic.equals(task.getTopicName())) {
                return Decision.refused("external task " + task.getId() + " is a step of another host ("
                        + task.getTopicName() + "), not of " + host);
            }
        }
        return Decision.allowed(request);
    }

    /** The first topic of a fetch body that is not {@code topic} (or what is wrong with the body); null when none. */
    private String wrongTopic(byte[] body, String topic) {
        JsonNode topics;
        try {
            topics = json.readTree(body).path("topics");
        } catch (IOException e) {
            return "an unreadable fetch body";
        }
        if (!topics.isArray() || topics.isEmpty()) {
            return "a fetch without topics";
        }
        for (JsonNode requested : topics) {
            String name = requested.path("topicName").asText("");
            if (!topic.equals(name)) {
                return "'" + name + "'";
            }
        }
        return null;
    }

    /** The request to pass on, or the reason for a 403. */
    record Decision(HttpServletRequest request, String refusal) {
        static Decision allowed(HttpServletRequest request) {
            return new Decision(request, null);
        }

        static Decision refused(String why) {
            return new Decision(null, why);
        }
    }

    /** A request whose body was read here, readable once more by the REST API. */
    private static final class ReadAgain extends HttpServletRequestWrapper {

        private final byte[] body;

        ReadAgain(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("synchronous reads only");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }

    /**
     * The agent's own {@code User-Agent} ({@code runbook-agent/<version>}); Camunda's external task client sends its
     * own name as well, so of several the agent's is taken.
     */
    private static String client(HttpServletRequest request) {
        List<String> agents = Collections.list(request.getHeaders(HttpHeaders.USER_AGENT));
        return agents.stream()
                .filter(value -> value.startsWith("runbook-agent/"))
                .findFirst()
                .orElse(agents.isEmpty() ? null : agents.get(0));
    }
}
