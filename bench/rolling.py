#!/usr/bin/env python3
"""Rolling deploy: a deploy over 1, 2 and 4 remote hosts, against the same steps on one host (the platform's own).

Each remote host is a network namespace with a veth pair (10.233.<k>.1 on this side, .2 inside) and its own disk: a
directory bind-mounted at the target's root in the mount namespace its agent runs in (the jar in agent mode, its own
JVM and PM2 daemon), as RollingDeployNamespaceTest does. The agents reach the platform only over their pair. The app
is the small demo fixture (bench/overhead.py); deploys alternate between two commits (v1, v2), so every deploy
prepares, installs (reused: the lock file does not change), builds, switches, reloads, checks and prunes.

  one       a target with no hosts: every step on the platform's own machine (the in-process worker)
  hosts=N   a target of N remote hosts: prepare and build host by host, then switch, reload and check host by host
  hosts=N batch=B   the same with rollout.batch B: B hosts switched, reloaded and checked at once

Per configuration a fresh platform (H2) and N agents; a first deploy (not counted), then --n deploys. Prints the wall
time of each deploy (request to end), the median, the median per host, and the median duration of each step across
hosts, with the load average. All hosts share this machine's 2 cores: a host's build runs while the other hosts'
agents and the platform idle (the steps run one host at a time), so the contention is the idle JVMs' and PM2 daemons'
background work, which the per-step medians against `one` show. Needs root (namespaces). Usage:

    mvn -B -q -o package -DskipTests && python3 bench/rolling.py [--n 4] [--hosts 1,2,4] [--batches 1,2]
"""
import argparse, os, shutil, signal, statistics, subprocess, sys, tempfile, time

from common import PM2, Platform, jar, machine, run, ts, write

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from overhead import small_repo, small_files  # noqa: E402  the demo fixture

APP_PORT = 3310


def repository(work):
    src = os.path.join(work, "src")
    os.makedirs(src)
    run(["git", "init", "-q", "--initial-branch=main"], src)
    small_repo(src)
    for version in ("v1", "v2"):
        small_files(src, version)
        run(["git", "add", "-A"], src)
        run(["git", "commit", "-q", "-m", version], src)
        run(["git", "tag", version], src)
    return src


def target(name, src, root):
    return ["--runbook.targets.%s.remote=%s" % (name, src),
            "--runbook.targets.%s.root=%s" % (name, root),
            "--runbook.targets.%s.approval.required=false" % name,
            "--runbook.targets.%s.env.PORT=%d" % (name, APP_PORT),
            "--runbook.targets.%s.components.backend.dir=backend" % name,
            "--runbook.targets.%s.components.backend.pm2-app=small-backend" % name,
            "--runbook.targets.%s.components.backend.ecosystem=backend/ecosystem.config.js" % name,
            "--runbook.targets.%s.components.backend.health-url=http://127.0.0.1:%d/api/health" % (name, APP_PORT),
            "--runbook.targets.%s.health.stability-window=PT1S" % name]


class Host:
    """A namespace host: its veth pair, disk, PM2 home and agent."""

    def __init__(self, work, index):
        self.name = "bench-%d" % index
        self.ns = "rbb-%d-%d" % (index, os.getpid() % 1000)
        self.subnet = 10 + (os.getpid() + index) % 240
        self.outside, inside = "rbb%do" % self.subnet, "rbb%di" % self.subnet
        self.platform_side = "10.233.%d.1" % self.subnet
        self.disk = os.path.join(work, self.name + "-disk")
        self.pm2_home = os.path.join(work, self.name + "-pm2")
        os.makedirs(self.disk)
        for cmd in (["ip", "netns", "add", self.ns],
                    ["ip", "link", "add", self.outside, "type", "veth", "peer", "name", inside],
                    ["ip", "link", "set", inside, "netns", self.ns],
                    ["ip", "addr", "add", self.platform_side + "/30", "dev", self.outside],
                    ["ip", "link", "set", self.outside, "up"],
                    ["ip", "netns", "exec", self.ns, "ip", "addr", "add", "10.233.%d.2/30" % self.subnet, "dev", inside],
                    ["ip", "netns", "exec", self.ns, "ip", "link", "set", inside, "up"],
                    ["ip", "netns", "exec", self.ns, "ip", "link", "set", "lo", "up"]):
            subprocess.run(cmd, check=True)
        self.agent = None

    def start_agent(self, work, port, target_args, root):
        log = os.path.join(work, self.name + "-agent.log")
        command = ["ip", "netns", "exec", self.ns, "sh", "-c", 'mount --bind "$1" "$2" && shift 2 && exec "$@"', "sh",
                   self.disk, root,
                   "java", "-Xmx192m", "-jar", jar(), "--spring.profiles.active=agent",
                   "--runbook.agent.platform-url=http://%s:%d" % (self.platform_side, port),
                   "--runbook.agent.host=" + self.name, "--runbook.data-dir=%s/%s-data" % (work, self.name),
                   "--runbook.tools.pm2=" + PM2] + target_args
        self.agent = subprocess.Popen(
            command, cwd=work, stdout=open(log, "w"), stderr=subprocess.STDOUT,
            env=dict(os.environ, PM2_HOME=self.pm2_home, RUNBOOK_AGENT_USER=self.name.replace("-", ""),
                     RUNBOOK_AGENT_PASSWORD="agent-pw"))
        self.log = log

    def await_agent(self):
        while "fetches its steps from" not in open(self.log).read():
            assert self.agent.poll() is None, "the agent exited: see " + self.log
            time.sleep(0.2)

    def close(self):
        if self.agent:
            self.agent.terminate()
            self.agent.wait()
        out = subprocess.run(["ip", "netns", "pids", self.ns], capture_output=True, text=True).stdout
        for pid in out.split():
            subprocess.run(["kill", "-9", pid], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "del", self.ns], stderr=subprocess.DEVNULL)


def host_args(hosts):
    args = []
    for i, host in enumerate(hosts):
        user = host.name.replace("-", "")
        args += ["--runbook.targets.fleet.hosts[%d]=%s" % (i, host.name),
                 "--runbook.hosts.%s.agent-user=%s" % (host.name, user),
                 "--runbook.identity.users[%d].id=%s" % (2 + i, user),
                 "--runbook.identity.users[%d].password=agent-pw" % (2 + i),
                 "--runbook.identity.users[%d].groups[0]=agents" % (2 + i)]
    return args


def await_hosts_up(platform, name, within=120):
    """Waits until every host's agent has called (UP on the target view): a deploy refuses an UNKNOWN host."""
    deadline = time.monotonic() + within
    while True:
        view = [t for t in platform.call("GET", "/api/targets") if t["name"] == name][0]
        if view["hosts"] and all(h["status"] == "UP" for h in view["hosts"]):
            return
        assert time.monotonic() < deadline, view["hosts"]
        time.sleep(0.5)


def deploy(platform, target, ref):
    started = time.monotonic()
    run_id = platform.call("POST", "/api/targets/%s/deployments" % target, {"gitRef": ref})["runId"]
    result = platform.await_end(run_id)
    wall = time.monotonic() - started
    assert result["outcome"] == "DEPLOYED", result
    return wall, result


def step_medians(results):
    durations = {}
    for result in results:
        for step in result["steps"]:
            if step.get("startedAt") and step.get("endedAt"):
                durations.setdefault(step["activityId"], []).append(ts(step["endedAt"]) - ts(step["startedAt"]))
    return {step: statistics.median(values) for step, values in durations.items()}


def measure(label, platform, target, n, hosts):
    deploy(platform, target, "v1")  # the first release everywhere, not counted
    walls, results = [], []
    for i in range(n):
        wall, result = deploy(platform, target, "v2" if i % 2 == 0 else "v1")
        walls.append(wall)
        results.append(result)
        print("%-16s deploy %d: %.1f s, load %s" % (label, i + 1, wall, open("/proc/loadavg").read().split()[0]),
              flush=True)
    median = statistics.median(walls)
    steps = step_medians(results)
    print("%-16s median %.1f s over %d deploys, %.1f s per host; steps (median per host): %s" % (
        label, median, n, median / hosts, ", ".join("%s %.2f s" % (k.replace("Task_", ""), v)
                                                   for k, v in steps.items())), flush=True)
    return median


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=4)
    parser.add_argument("--hosts", default="1,2,4")
    parser.add_argument("--batches", default="1", help="rollout.batch values to measure for each host count")
    parser.add_argument("--no-one", action="store_true", help="skip the configuration without hosts")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    assert os.geteuid() == 0, "namespaces need root"
    print(machine(), flush=True)
    configurations = [] if args.no_one else [(0, 1)]
    for count in [int(n) for n in args.hosts.split(",")]:
        for batch in sorted({min(int(b), count) for b in args.batches.split(",")}):
            configurations.append((count, batch))
    for count, batch in configurations:
        work = tempfile.mkdtemp(prefix="runbook-bench-rolling-")
        src = repository(work)
        hosts, platform = [], None
        env = dict(os.environ, PM2_HOME=os.path.join(work, "pm2"))
        try:
            if count == 0:
                platform = Platform(work, target("one", src, os.path.join(work, "one-root")), env=env, pm2=PM2)
                measure("one", platform, "one", args.n, 1)
                continue
            root = os.path.join(work, "fleet-root")
            os.makedirs(root)
            hosts = [Host(work, i + 1) for i in range(count)]
            extra = (target("fleet", src, root) + host_args(hosts)
                     + ["--server.address=0.0.0.0", "--runbook.targets.fleet.rollout.batch=%d" % batch])
            platform = Platform(work, extra, env=env, pm2=PM2)
            for host in hosts:
                host.start_agent(work, platform.port, target("fleet", src, root), root)
            for host in hosts:
                host.await_agent()
            await_hosts_up(platform, "fleet")
            measure("hosts=%d batch=%d" % (count, batch), platform, "fleet", args.n, count)
        finally:
            for host in hosts:
                host.close()
            if platform:
                platform.stop()
            subprocess.run([PM2, "kill"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
