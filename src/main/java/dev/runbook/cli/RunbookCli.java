package dev.runbook.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The {@code runbook} command: {@code java -jar runbook-platform.jar cli <command> ...} or the launcher
 * {@code bin/runbook}. It talks to a running platform over {@code /api} (see {@link Credentials}) and, for the
 * commands that start a run, follows it live (steps and their command output) and exits with the run's outcome:
 * {@value #EXIT_OK} only for the good one (docs/cli.md lists the codes).
 */
@Command(
        name = "runbook",
        mixinStandardHelpOptions = true,
        versionProvider = RunbookCli.Version.class,
        description = "Deploy, update, roll back and restart targets of a Runbook Platform, follow runs, approve.",
        subcommands = {
            RunbookCli.Deploy.class,
            RunbookCli.Update.class,
            RunbookCli.Rollback.class,
            RunbookCli.Restart.class,
            RunbookCli.Status.class,
            RunbookCli.Logs.class,
            RunbookCli.Approvals.class,
            RunbookCli.Approve.class,
            RunbookCli.Withdraw.class,
            RunbookCli.Decide.class,
            RunbookCli.Runs.class
        })
public class RunbookCli {

    public static final int EXIT_OK = 0;
    /** The run ended FAILED (nothing changed, or a step failed before any change). */
    public static final int EXIT_FAILED = 1;
    /** Wrong arguments (picocli's own code). */
    public static final int EXIT_USAGE = 2;
    /** Sign-in failed, no credentials, an unsafe credentials file, or the user may not do this (401, 403). */
    public static final int EXIT_SIGN_IN = 3;
    /** The platform refused the request (400, 404, 409: bad ref, unknown target, busy target ...). */
    public static final int EXIT_REFUSED = 4;
    /** The platform cannot be reached or failed (5xx). */
    public static final int EXIT_PLATFORM = 5;
    /** The run failed and undid itself: ROLLED_BACK, REVERTED. */
    public static final int EXIT_ROLLED_BACK = 10;
    /** The approval was rejected. */
    public static final int EXIT_REJECTED = 11;
    /** The approval expired, or the request was withdrawn. */
    public static final int EXIT_NOT_DECIDED = 12;
    /** The run stopped at an incident: an operator must look (Cockpit). */
    public static final int EXIT_INCIDENT = 13;

    private final Map<String, String> env;
    private final Path home;
    PrintWriter out;
    PrintWriter err;

    RunbookCli(Map<String, String> env, Path home) {
        this.env = env;
        this.home = home;
    }

    /** The CLI's main: runs {@code args} and exits with its code. */
    public static void main(String[] args) {
        System.exit(execute(
                args,
                System.getenv(),
                Path.of(System.getProperty("user.home")),
                new PrintWriter(System.out, true),
                new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns its exit code. */
    public static int execute(String[] args, Map<String, String> env, Path home, PrintWriter out, PrintWriter err) {
        RunbookCli cli = new RunbookCli(env, home);
        cli.out = out;
        cli.err = err;
        CommandLine line = new CommandLine(cli);
        line.setOut(out);
        line.setErr(err);
        line.setExecutionExceptionHandler((exception, commandLine, parsed) -> {
            if (exception instanceof PlatformClient.CallFailed failed) {
                err.println("runbook: " + failed.getMessage());
                err.flush();
                return failed.exitCode;
            }
            throw exception;
        });
        int code = line.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    PlatformClient client() {
        return new PlatformClient(Credentials.from(env, home));
    }

    /** What the good outcome of each process is. */
    static int exitCode(String outcome, String state) {
        if ("INCIDENT".equals(state)) {
            return EXIT_INCIDENT;
        }
        if (outcome == null) {
            return EXIT_PLATFORM;
        }
        return switch (outcome) {
            case "DEPLOYED", "RESTORED", "DONE", "BACKED_UP" -> EXIT_OK;
            case "ROLLED_BACK", "REVERTED" -> EXIT_ROLLED_BACK;
            case "REJECTED" -> EXIT_REJECTED;
            case "EXPIRED", "WITHDRAWN" -> EXIT_NOT_DECIDED;
            default -> EXIT_FAILED;
        };
    }

    /** Starts a run with {@code body} at {@code path}; follows it unless told not to. */
    int startAndFollow(String path, Map<String, Object> body, boolean follow) {
        PlatformClient client = client();
        JsonNode started = client.post(path, body);
        String runId = started.path("runId").asText();
        out.println("run " + runId + " (" + started.path("processKey").asText() + " on "
                + started.path("target").asText() + ") started");
        out.flush();
        if (!follow) {
            return EXIT_OK;
        }
        return follow(client, runId);
    }

    /** Prints the run's steps and command output as they happen; returns the exit code of its outcome. */
    int follow(PlatformClient client, String runId) {
        JsonNode[] end = new JsonNode[1];
        while (end[0] == null) {
            boolean ended = client.follow(runId, (event, data) -> {
                switch (event) {
                    case "step" -> out.println(stepLine(data));
                    case "log" -> out.println("    | " + data.path("line").asText());
                    case "state" ->
                        out.println(stateLine(runId, data.path("state").asText()));
                    case "end" -> end[0] = data;
                    default -> {}
                }
                out.flush();
            });
            if (!ended && end[0] == null) {
                out.println("(the event stream closed; following again)");
            }
        }
        String outcome = end[0].path("outcome").asText(null);
        String failure = end[0].path("failure").asText(null);
        out.println("run " + runId + " ended " + outcome + (failure == null ? "" : ": " + failure));
        out.flush();
        return exitCode(outcome, end[0].path("state").asText());
    }

    private static String stepLine(JsonNode step) {
        String outcome = step.path("outcome").asText();
        String mark = switch (outcome) {
            case "RUNNING" -> "->";
            case "COMPLETED" -> "ok";
            case "FAILED", "INCIDENT" -> "!!";
            default -> "--";
        };
        return mark + " " + step.path("name").asText(step.path("activityId").asText())
                + (step.path("compensation").asBoolean() ? " (undo)" : "")
                + (outcome.equals("RUNNING") ? "" : " " + outcome);
    }

    private static String stateLine(String runId, String state) {
        return switch (state) {
            case "WAITING_FOR_APPROVAL" ->
                ".. waiting for an approval: an approver runs 'runbook approve " + runId + "' (or use Tasklist)";
            case "WAITING_FOR_TARGET" -> ".. approved; waiting for another run on the target to end";
            case "INCIDENT" -> "!! stopped at an incident: an operator must look (Cockpit)";
            case "WAITING_FOR_DECISION" ->
                "!! a host failed: an operator runs 'runbook decide " + runId + " retry' (that host again) or"
                        + " 'runbook decide " + runId + " rollback' (every host)";
            default -> ".. " + state.toLowerCase();
        };
    }

    /** Options of the commands that start a run. */
    abstract static class Starting implements Callable<Integer> {
        @ParentCommand
        RunbookCli cli;

        @Option(
                names = "--follow",
                negatable = true,
                defaultValue = "true",
                fallbackValue = "true",
                description = "follow the run until it ends and exit with its outcome (default); --no-follow "
                        + "prints the run id and exits 0")
        boolean follow;
    }

    @Command(name = "deploy", description = "Deploy REF (default the target's branch) of TARGET.")
    static class Deploy extends Starting {
        @Parameters(index = "0", paramLabel = "TARGET")
        String target;

        @Parameters(index = "1", arity = "0..1", paramLabel = "REF", description = "branch, tag or commit")
        String ref;

        @Option(names = "--components", description = "all (default) or component names separated by commas")
        String components;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (ref != null) {
                body.put("gitRef", ref);
            }
            if (components != null) {
                body.put("components", components);
            }
            return cli.startAndFollow("/api/targets/" + PlatformClient.encode(target) + "/deployments", body, follow);
        }
    }

    @Command(name = "update", description = "Update COMPONENTS (comma-separated) of TARGET to REF.")
    static class Update extends Starting {
        @Parameters(index = "0", paramLabel = "TARGET")
        String target;

        @Parameters(index = "1", paramLabel = "COMPONENTS")
        String components;

        @Parameters(index = "2", arity = "0..1", paramLabel = "REF")
        String ref;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("components", components);
            if (ref != null) {
                body.put("gitRef", ref);
            }
            return cli.startAndFollow("/api/targets/" + PlatformClient.encode(target) + "/updates", body, follow);
        }
    }

    @Command(
            name = "rollback",
            description = "Roll TARGET back to RELEASE: a release id or a tag it was deployed from (default: the "
                    + "release before the serving one).")
    static class Rollback extends Starting {
        @Parameters(index = "0", paramLabel = "TARGET")
        String target;

        @Parameters(index = "1", arity = "0..1", paramLabel = "RELEASE")
        String release;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (release != null) {
                body.put("releaseId", releaseId());
            }
            return cli.startAndFollow("/api/targets/" + PlatformClient.encode(target) + "/rollbacks", body, follow);
        }

        /** A tag names the newest release made from it that does not serve. */
        private String releaseId() {
            for (JsonNode candidate : cli.client().get("/api/targets/" + PlatformClient.encode(target) + "/releases")) {
                if (candidate.path("id").asText().equals(release)) {
                    return release;
                }
            }
            for (JsonNode candidate : cli.client().get("/api/targets/" + PlatformClient.encode(target) + "/releases")) {
                for (JsonNode tag : candidate.path("tags")) {
                    if (tag.asText().equals(release)
                            && !candidate.path("current").asBoolean()) {
                        return candidate.path("id").asText();
                    }
                }
            }
            return release; // the platform says what is wrong with it
        }
    }

    @Command(name = "restart", description = "Restart the apps of TARGET with their environment read afresh.")
    static class Restart extends Starting {
        @Parameters(index = "0", paramLabel = "TARGET")
        String target;

        @Option(names = "--components", description = "all (default) or component names separated by commas")
        String components;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (components != null) {
                body.put("components", components);
            }
            return cli.startAndFollow("/api/targets/" + PlatformClient.encode(target) + "/restarts", body, follow);
        }
    }

    @Command(
            name = "status",
            description = "What serves on each target (or TARGET): release, commit, ref, since, drift.")
    static class Status implements Callable<Integer> {
        @ParentCommand
        RunbookCli cli;

        @Parameters(index = "0", arity = "0..1", paramLabel = "TARGET")
        String target;

        @Override
        public Integer call() {
            boolean found = false;
            for (JsonNode t : cli.client().get("/api/targets")) {
                if (target != null && !target.equals(t.path("name").asText())) {
                    continue;
                }
                found = true;
                JsonNode current = t.path("currentRelease");
                cli.out.println(t.path("name").asText() + ": "
                        + (current.isMissingNode()
                                        || current.isNull()
                                        || current.path("releaseId").isNull()
                                ? "nothing serves yet"
                                : "release " + current.path("releaseId").asText() + " (commit "
                                        + current.path("commit")
                                                .asText()
                                                .substring(
                                                        0,
                                                        Math.min(
                                                                12,
                                                                current.path("commit")
                                                                        .asText()
                                                                        .length()))
                                        + (current.hasNonNull("gitRef")
                                                ? ", " + current.path("gitRef").asText()
                                                : "")
                                        + (current.hasNonNull("deployedAt")
                                                ? ", since "
                                                        + current.path("deployedAt")
                                                                .asText() + " by "
                                                        + current.path("deployedBy")
                                                                .asText()
                                                : "")
                                        + ")"
                                        + (current.hasNonNull("drift")
                                                ? "; DRIFT: "
                                                        + current.path("drift").asText()
                                                : "")));
                t.path("components")
                        .fields()
                        .forEachRemaining(component -> cli.out.println("  " + component.getKey() + ": pm2 app "
                                + component.getValue().path("pm2App").asText()));
            }
            if (!found && target != null) {
                cli.err.println("runbook: no target '" + target + "'");
                return EXIT_REFUSED;
            }
            return EXIT_OK;
        }
    }

    @Command(name = "logs", description = "The last lines of APP's output and error logs on TARGET.")
    static class Logs implements Callable<Integer> {
        @ParentCommand
        RunbookCli cli;

        @Parameters(index = "0", paramLabel = "TARGET")
        String target;

        @Parameters(index = "1", paramLabel = "APP", description = "the PM2 app")
        String app;

        @Option(names = "--lines", defaultValue = "50")
        int lines;

        @Override
        public Integer call() {
            JsonNode logs = cli.client()
                    .get("/api/targets/" + PlatformClient.encode(target) + "/services/" + PlatformClient.encode(app)
                            + "/logs?lines=" + lines);
            cli.out.println("== " + app + " output");
            logs.path("out").forEach(line -> cli.out.println(line.asText()));
            cli.out.println("== " + app + " errors");
            logs.path("error").forEach(line -> cli.out.println(line.asText()));
            return EXIT_OK;
        }
    }

    @Command(name = "approvals", description = "Approvals you may decide.")
    static class Approvals implements Callable<Integer> {
        @ParentCommand
        RunbookCli cli;

        @Override
        public Integer call() {
            JsonNode approvals = cli.client().get("/api/approvals");
            if (approvals.isEmpty()) {
                cli.out.println("no approval waits for you");
            }
            for (JsonNode a : approvals) {
                cli.out.println("run " + a.path("runId").asText() + ": "
                        + a.path("processKey").asText() + " of "
                        + a.path("target").asText()
                        + (a.hasNonNull("gitRef") ? " " + a.path("gitRef").asText() : "")
                        + ", requested by " + a.path("requestedBy").asText() + ", "
                        + a.path("commitCount").asLong()
                        + " commit(s) " + ("BACKWARD".equals(a.path("direction").asText()) ? "taken away" : "brought")
                        + (a.hasNonNull("claimedBy")
                                ? ", claimed by " + a.path("claimedBy").asText()
                                : "")
                        + ", decide by " + a.path("deadline").asText());
            }
            return EXIT_OK;
        }
    }

    @Command(name = "approve", description = "Approve (or --reject) the approval RUN waits for.")
    static class Approve implements Callable<Integer> {
        @ParentCommand
        RunbookCli cli;

        @Parameters(index = "0", paramLabel = "RUN", description = "the run id")
        String runId;

        @Option(names = "--reject", description = "reject instead")
        boolean reject;

        @Option(
                names = {"-m", "--comment"},
                description = "a comment for the audit trail")
        String comment;

        @Override
        public Integer call() {
            PlatformClient client = cli.client();
            for (JsonNode approval : client.get("/api/approvals")) {
                if (runId.equals(approval.path("runId").asText())) {
                    Map<String, Object> decision = new LinkedHashMap<>();
                    decision.put("approved", !reject);
                    if (comment != null) {
                        decision.put("comment", comment);
                    }
                    client.post(
                            "/api/approvals/"
                                    + PlatformClient.encode(
                                            approval.path("taskId").asText()),
                            decision);
                    cli.out.println((reject ? "rejected" : "approved") + " run " + runId);
                    return EXIT_OK;
                }
            }
            cli.err.println("runbook: run " + runId + " has no approval you may decide (see 'runbook approvals'; "
                    + "four eyes: nobody decides their own request)");
            return EXIT_REFUSED;
        }
    }

    @Command(name = "withdraw", description = "Withdraw your request RUN while it waits for its approval.")
    static class Withdraw implements Callable<Integer> {
        @ParentCommand
        RunbookCli cli;

        @Parameters(index = "0", paramLabel = "RUN")
        String runId;

        @Override
        public Integer call() {
            cli.client().post("/api/runs/" + PlatformClient.encode(runId) + "/withdraw", Map.of());
            cli.out.println("withdrew run " + runId);
            return EXIT_OK;
        }
    }

    @Command(
            name = "decide",
            description = "Decide on the failed host RUN waits for (rollout.on-failure: ask): retry that host, or roll"
                    + " every host back.")
    static class Decide implements Callable<Integer> {
        @ParentCommand
        RunbookCli cli;

        @Parameters(index = "0", paramLabel = "RUN")
        String runId;

        @Parameters(index = "1", paramLabel = "DECISION", description = "retry or rollback")
        String decision;

        @Option(names = "--host", description = "the failed host, when several wait")
        String host;

        @Option(names = "--comment")
        String comment;

        @Override
        public Integer call() {
            Map<String, Object> body = new java.util.HashMap<>(Map.of("decision", decision));
            if (host != null) {
                body.put("host", host);
            }
            if (comment != null) {
                body.put("comment", comment);
            }
            cli.client().post("/api/runs/" + PlatformClient.encode(runId) + "/host-decisions", body);
            cli.out.println("decided " + decision + " for run " + runId);
            return EXIT_OK;
        }
    }

    @Command(name = "runs", description = "Recent runs, newest first.")
    static class Runs implements Callable<Integer> {
        @ParentCommand
        RunbookCli cli;

        @Option(names = "--target")
        String target;

        @Option(names = "--limit", defaultValue = "20")
        int limit;

        @Override
        public Integer call() {
            String query =
                    "/api/runs?limit=" + limit + (target == null ? "" : "&target=" + PlatformClient.encode(target));
            for (JsonNode run : cli.client().get(query)) {
                cli.out.println(run.path("startedAt").asText() + "  "
                        + run.path("runId").asText() + "  "
                        + run.path("processKey").asText() + " "
                        + run.path("target").asText() + "  "
                        + run.path("state").asText()
                        + (run.hasNonNull("outcome") ? " " + run.path("outcome").asText() : "") + "  by "
                        + run.path("requestedBy").asText());
            }
            return EXIT_OK;
        }
    }

    /** The platform's version from the jar's build information. */
    static class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = RunbookCli.class.getPackage().getImplementationVersion();
            return new String[] {"runbook " + (version == null ? "(development)" : version)};
        }
    }
}
