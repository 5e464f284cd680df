#!/usr/bin/env python3
"""Dispatch: how long a step waits between being ready and its work beginning, per execution path.

  external  a host-bound step (issue 16): an external task of the host `local`, fetched by the platform's in-process
            worker, from the task's creation to its fetch; measured with the `restart` runbook (its two steps,
            Task_RestartApps and Task_HealthCheck, are host-bound)
  job       the reference, a service task of the platform (JavaDelegate behind asyncBefore): its job, from due to
            started by the job executor; measured with `monitor` (its alert or recovery step is such a job; its check
            is a host-bound step and adds one local-worker step a run to `external`). Until 6 Dec 2026 this was
            `service-control restart`, whose steps have since become host-bound
  agent     the same host-bound steps on a target of the host `bench-1`, fetched by a real agent (the jar in agent
            mode, its own JVM, long polling the platform over loopback); from the task's creation to the agent's
            fetch, as the agent logs it ("fetched N ms after it was created"); the same runbook and PM2 app
The first two from the platform's own meter `runbook_step_dispatch_seconds` (Micrometer: count, sum, 0.5 and 0.95 quantiles
of the last minutes) on /actuator/prometheus, read after each block (the totals give the median of the blocks'
quantiles), and the runs' wall time from request to end (the runbooks differ: restart deletes and starts the apps
afresh and checks health, monitor checks them over its restart window and raises or closes an alert).
The target is the small demo fixture (bench/overhead.py) under a real PM2 daemon; one run at a time, the two paths
alternate in --rounds blocks of --n runs each after a warm-up block each. Usage:

    mvn -B -q -o package -DskipTests && python3 bench/dispatch.py [--n 20] [--rounds 3]
    python3 bench/dispatch.py --two-nodes [--n 10] [--rounds 2]   # two nodes on PostgreSQL, see two_nodes()

The agent's figure counts a step from its creation to the agent's fetch; the platform's meter for the other two does
the same for the local worker (fetch) and the job executor (job start).
"""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time, urllib.request

from common import ADMIN_AUTH, PM2, Platform, jar, machine, run

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from engine import fixture  # noqa: E402  the demo fixture with one serving release

LINE = re.compile(r'^runbook_step_dispatch_seconds(_count|_sum)?\{host="local",path="(\w+)"(?:,quantile="([\d.]+)")?\} '
                  r'(\S+)$')


def meter(platform):
    """{path: {"count": n, "sum": s, "0.5": q, "0.95": q}} from /actuator/prometheus."""
    req = urllib.request.Request("http://127.0.0.1:%d/actuator/prometheus" % platform.port)
    req.add_header("Authorization", ADMIN_AUTH)
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            suffix, path, quantile, value = m.groups()
            values.setdefault(path, {})[quantile or suffix[1:]] = float(value)
    return values


FETCHED = re.compile(r'fetched (\d+) ms after it was created')


def agent_dispatch(log):
    """The agent's dispatch figures so far, in ms, from its log."""
    with open(log) as f:
        return [int(m.group(1)) for m in FETCHED.finditer(f.read())]


def start(platform, path):
    if path == "external":
        return platform.call("POST", "/api/targets/stub/restarts", {})["runId"]
    if path == "agent":
        return platform.call("POST", "/api/targets/remote/restarts", {})["runId"]
    # a monitor run over the engine's REST API (as an administrator): its alert or recovery step is a job
    req = urllib.request.Request(
        "http://127.0.0.1:%d/engine-rest/process-definition/key/monitor/start" % platform.port, method="POST",
        data=json.dumps({"variables": {"target": {"value": "stub", "type": "String"}}}).encode())
    req.add_header("Authorization", ADMIN_AUTH)
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())["id"]


def block(platform, path, n):
    walls = []
    for _ in range(n):
        t0 = time.monotonic()
        r = platform.await_end(start(platform, path), poll=0.05)
        walls.append(time.monotonic() - t0)
        ended = ("HEALTHY", "UNHEALTHY") if path == "job" else ("DONE",)
        assert r.get("outcome") in ended, "%s ended %s" % (path, r.get("outcome"))
    return walls


def two_nodes(args):
    """--two-nodes: two platform nodes on one PostgreSQL database, the agent long polling node A; the same restart
    started on node A (the node that creates the steps wakes the agent's fetch) and on node B (the step is created on
    B: node A's fetch sees it through A's own once-a-second look for unheld steps, LocalHostWorker.wakeAgents)."""
    work = tempfile.mkdtemp(prefix="runbook-bench-dispatch2-")
    src, root, _ = fixture(work)
    env = dict(os.environ, PM2_HOME=os.path.join(work, "pm2"))
    port = 20000 + os.getpid() % 20000
    db = "bench_dispatch_%d" % os.getpid()
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc"]
    subprocess.run(psql + ["CREATE DATABASE " + db], check=True)
    remote = ["--runbook.targets.remote.%s" % kv for kv in (
        "remote=" + src, "root=" + root, "approval.required=false", "env.PORT=%d" % port,
        "components.backend.dir=backend", "components.backend.pm2-app=small-backend",
        "components.backend.ecosystem=backend/ecosystem.config.js",
        "components.backend.health-url=http://127.0.0.1:%d/api/health" % port)]
    extra = remote + [
        "--spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/" + db, "--spring.datasource.username=postgres",
        "--runbook.targets.remote.hosts[0]=bench-1",
        "--runbook.hosts.bench-1.agent-user=benchagent", "--runbook.identity.users[2].id=benchagent",
        "--runbook.identity.users[2].password=benchagent-pw", "--runbook.identity.users[2].groups[0]=agents"]
    nodes, agent = [], None
    agent_log = os.path.join(work, "agent.log")
    try:
        subprocess.run([PM2, "start", os.path.join(root, "current/backend/ecosystem.config.js")], env=dict(
            env, PORT=str(port)), cwd=root, check=True, stdout=subprocess.DEVNULL)
        for name in ("a", "b"):
            os.makedirs(os.path.join(work, name))
            nodes.append(Platform(os.path.join(work, name), extra, env=env, log="node.log", pm2=PM2))
        agent = subprocess.Popen(
            ["java", "-Xmx192m", "-jar", jar(), "--spring.profiles.active=agent",
             "--runbook.agent.platform-url=http://127.0.0.1:%d" % nodes[0].port, "--runbook.agent.host=bench-1",
             "--runbook.data-dir=%s/agent-data" % work, "--runbook.tools.pm2=%s" % PM2] + remote,
            cwd=work, env=dict(env, RUNBOOK_AGENT_USER="benchagent", RUNBOOK_AGENT_PASSWORD="benchagent-pw"),
            stdout=open(agent_log, "w"), stderr=subprocess.STDOUT)
        while "fetches its steps from" not in open(agent_log).read():
            assert agent.poll() is None, "the agent exited: see " + agent_log
            time.sleep(0.2)
        def stats(ms):
            if not ms:
                return "n/a (an agent before the dispatch log line)"
            return "p50 %d ms, p95 %d ms, max %d ms" % (
                statistics.median(ms), sorted(ms)[int(0.95 * (len(ms) - 1))], max(ms))

        figures = {"started on A": [], "started on B": []}
        walls = {"started on A": [], "started on B": []}
        for r in range(args.rounds + 1):
            for label, node in (("started on A", nodes[0]), ("started on B", nodes[1])):
                seen = len(agent_dispatch(agent_log))
                w = []
                for _ in range(args.n if r else 2):
                    t0 = time.monotonic()
                    run_id = node.call("POST", "/api/targets/remote/restarts", {})["runId"]
                    result = node.await_end(run_id, poll=0.05)
                    w.append(int((time.monotonic() - t0) * 1000))
                    assert result.get("outcome") == "DONE", result
                ms = agent_dispatch(agent_log)[seen:]
                if r:  # round 0 warms up
                    figures[label] += ms
                    walls[label] += w
                    print("block %d %s: %d runs, wall median %d ms; agent dispatch of %d steps %s; load %s" % (
                        r, label, len(w), statistics.median(w), len(ms), stats(ms),
                        open("/proc/loadavg").read().split()[0]), flush=True)
        for label, ms in figures.items():
            print("total %s: %d runs, wall median %d ms; agent dispatch of %d steps %s" % (
                label, len(walls[label]), statistics.median(walls[label]), len(ms), stats(ms)), flush=True)
    finally:
        if agent:
            agent.terminate()
            agent.wait()
        for node in nodes:
            node.stop()
        subprocess.run([PM2, "kill"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(psql + ["DROP DATABASE IF EXISTS %s WITH (FORCE)" % db])
        for name in ("a", "b"):
            log = os.path.join(work, name, "node.log")
            if os.path.exists(log):
                shutil.copy(log, "/tmp/bench-node-%s.log" % name)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jvm", default="", help="JVM flags of the platform, e.g. --jvm=-XX:TieredStopAtLevel=1")
    parser.add_argument("--two-nodes", action="store_true",
                        help="the agent's dispatch with two platform nodes on PostgreSQL (see two_nodes)")
    args = parser.parse_args()
    if args.two_nodes:
        print(machine(), flush=True)
        return two_nodes(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    print(machine(), "platform JVM flags: %s" % (args.jvm or "none"), flush=True)
    work = tempfile.mkdtemp(prefix="runbook-bench-dispatch-")
    src, root, _ = fixture(work)
    env = dict(os.environ, PM2_HOME=os.path.join(work, "pm2"))
    port = 20000 + os.getpid() % 20000
    def target(name):
        return ["--runbook.targets.%s.remote=%s" % (name, src),
                "--runbook.targets.%s.root=%s" % (name, root),
                "--runbook.targets.%s.approval.required=false" % name,
                "--runbook.targets.%s.env.PORT=%d" % (name, port),
                "--runbook.targets.%s.components.backend.dir=backend" % name,
                "--runbook.targets.%s.components.backend.pm2-app=small-backend" % name,
                "--runbook.targets.%s.components.backend.ecosystem=backend/ecosystem.config.js" % name,
                "--runbook.targets.%s.components.backend.health-url=http://127.0.0.1:%d/api/health" % (name, port)]
    # "remote": the same app on the host bench-1, whose agent runs on this machine
    extra = target("stub") + target("remote") + [
        "--runbook.targets.remote.hosts[0]=bench-1", "--runbook.hosts.bench-1.agent-user=benchagent",
        "--runbook.identity.users[2].id=benchagent", "--runbook.identity.users[2].password=benchagent-pw",
        "--runbook.identity.users[2].groups[0]=agents"]
    platform = agent = None
    agent_log = os.path.join(work, "agent.log")
    try:
        subprocess.run([PM2, "start", os.path.join(root, "current/backend/ecosystem.config.js")], env=dict(
            env, PORT=str(port)), cwd=root, check=True, stdout=subprocess.DEVNULL)
        platform = Platform(work, extra, env=env, pm2=PM2, jvm=args.jvm.split())
        agent = subprocess.Popen(
            ["java", "-Xmx192m", "-jar", jar(), "--spring.profiles.active=agent",
             "--runbook.agent.platform-url=http://127.0.0.1:%d" % platform.port, "--runbook.agent.host=bench-1",
             "--runbook.data-dir=%s/agent-data" % work, "--runbook.tools.pm2=%s" % PM2] + target("remote"),
            cwd=work, env=dict(env, RUNBOOK_AGENT_USER="benchagent", RUNBOOK_AGENT_PASSWORD="benchagent-pw"),
            stdout=open(agent_log, "w"), stderr=subprocess.STDOUT)
        while "fetches its steps from" not in open(agent_log).read():
            assert agent.poll() is None, "the agent exited: see " + agent_log
            time.sleep(0.2)
        paths = ("external", "job", "agent")
        for path in paths:
            block(platform, path, 3)
        walls = {p: [] for p in paths}
        quantiles = {p: [] for p in paths}
        for r in range(args.rounds):
            for path in (paths if r % 2 == 0 else tuple(reversed(paths))):
                seen = len(agent_dispatch(agent_log))
                w = block(platform, path, args.n)
                walls[path] += w
                if path == "agent":
                    ms = agent_dispatch(agent_log)[seen:]
                    m = {"count": len(ms), "sum": sum(ms) / 1000.0, "0.5": statistics.median(ms) / 1000.0,
                         "0.95": sorted(ms)[int(0.95 * (len(ms) - 1))] / 1000.0}
                else:
                    m = meter(platform).get(path, {})
                quantiles[path].append((m.get("0.5", 0), m.get("0.95", 0)))
                print("block %d %-8s: %d runs, wall median %.0f ms; dispatch p50 %.1f ms, p95 %.1f ms (meter count %d, "
                      "mean %.1f ms), load %s" % (r + 1, path, len(w), statistics.median(w) * 1000,
                                                 m.get("0.5", 0) * 1000, m.get("0.95", 0) * 1000, m.get("count", 0),
                                                 m.get("sum", 0) / max(m.get("count", 1), 1) * 1000,
                                                 open("/proc/loadavg").read().split()[0]), flush=True)
        m = meter(platform)
        ms = agent_dispatch(agent_log)[3 * 2:]  # without the warm-up block's two steps per run
        m["agent"] = {"count": len(ms), "sum": sum(ms) / 1000.0}
        for path in paths:
            # the meter's quantiles cover the last minutes only: the median of the blocks' figures
            print("total %-8s: %d runs, wall median %.0f ms; dispatch mean %.1f ms over %d steps, p50 %.1f ms, p95 %.1f "
                  "ms (medians of the blocks)" % (path, len(walls[path]), statistics.median(walls[path]) * 1000,
                                                  m[path]["sum"] / m[path]["count"] * 1000, m[path]["count"],
                                                  statistics.median(q[0] for q in quantiles[path]) * 1000,
                                                  statistics.median(q[1] for q in quantiles[path]) * 1000), flush=True)
    finally:
        if agent:
            agent.terminate()
            agent.wait()
        if platform:
            platform.stop()
        subprocess.run([PM2, "kill"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
