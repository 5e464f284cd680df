"""Shared helpers of the benchmarks under bench/ (Python 3 stdlib only): processes, ports, HTTP, the platform jar."""
import glob, json, os, socket, subprocess, time, urllib.request
from base64 import b64encode
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PM2 = os.path.join(ROOT, "tools", "node_modules", ".bin", "pm2")
GIT_ENV = dict(os.environ, GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")


def run(cmd, cwd, env=None, quiet=True):
    subprocess.run(cmd, cwd=cwd, env=env or GIT_ENV, check=True,
                   stdout=subprocess.DEVNULL if quiet else None, stderr=subprocess.DEVNULL if quiet else None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def jar():
    return sorted(glob.glob(os.path.join(ROOT, "target", "runbook-platform-*.jar")))[-1]


def ts(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def http_status(url, timeout=2):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except Exception:
        return None


def wait_ready(port, proc, limit=300, interval=0.5):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if http_status("http://127.0.0.1:%d/actuator/health" % port) == 200:
            return
        if proc.poll() is not None:
            raise RuntimeError("process exited with %s" % proc.returncode)
        time.sleep(interval)
    raise RuntimeError("not ready after %ss" % limit)


USERS = ["--runbook.identity.users[0].id=bench", "--runbook.identity.users[0].password=bench-pw",
         "--runbook.identity.users[0].groups[0]=operators",
         "--runbook.identity.users[1].id=benchadmin", "--runbook.identity.users[1].password=benchadmin-pw",
         "--runbook.identity.users[1].groups[0]=camunda-admin"]
AUTH = "Basic " + b64encode(b"bench:bench-pw").decode()
# /engine-rest's process starts are for admins only (operators start runs over /api)
ADMIN_AUTH = "Basic " + b64encode(b"benchadmin:benchadmin-pw").decode()


class Platform:
    """The platform jar on a free port with the given extra command-line properties and environment."""

    def __init__(self, work, extra, env=None, log="platform.log", pm2=PM2, jvm=()):
        self.port = free_port()
        args = ["java"] + list(jvm) + ["-jar", jar(), "--server.port=%d" % self.port, "--runbook.data-dir=%s/data" % work,
                "--runbook.tools.pm2=%s" % pm2] + USERS + extra
        self.proc = subprocess.Popen(args, cwd=work, env=env, stdout=open(os.path.join(work, log), "w"),
                                     stderr=subprocess.STDOUT)
        try:
            wait_ready(self.port, self.proc)
        except BaseException:
            self.stop()
            raise

    def call(self, method, path, body=None, timeout=60):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), method=method,
                                     data=None if body is None else json.dumps(body).encode())
        req.add_header("Authorization", AUTH)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read() or b"null")

    def await_end(self, run_id, poll=0.1):
        while True:
            r = self.call("GET", "/api/runs/" + run_id)
            if r["state"] in ("ENDED", "INCIDENT"):
                return r
            time.sleep(poll)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def machine():
    """nproc, memory, java and node versions, load average: for the results."""
    def out(cmd):
        p = subprocess.run(cmd, capture_output=True, text=True)
        return (p.stdout + p.stderr).strip().splitlines()[0]
    with open("/proc/meminfo") as f:
        mem = f.readline().split()[1]
    return "nproc %s, memory %.1f GiB, %s, node %s, load average %s" % (
        out(["nproc"]), int(mem) / 1048576, out(["java", "-version"]), out(["node", "-v"]),
        open("/proc/loadavg").read().split()[:3])


def step_times(run):
    """{activityId: (duration s, gap s before it)} of a run's steps, in order of start (the gap is the time since the
    previous step ended: job acquisition and the engine's own work between two asynchronous steps)."""
    steps = sorted((s for s in run["steps"] if s.get("startedAt") and s.get("endedAt")), key=lambda s: s["startedAt"])
    times, previous_end = {}, None
    for s in steps:
        start, end = ts(s["startedAt"]), ts(s["endedAt"])
        times[s["activityId"]] = (end - start, 0.0 if previous_end is None else max(0.0, start - previous_end))
        previous_end = end
    return times


def print_step_medians(label, runs):
    """Median duration and gap before it of each step over a list of step_times() results."""
    import statistics
    print("%s: step medians (duration, gap before it)" % label, flush=True)
    for activity in runs[0]:
        values = [r[activity] for r in runs if activity in r]
        print("  %-34s %6.2f s  %5.2f s" % (activity, statistics.median(v[0] for v in values),
                                           statistics.median(v[1] for v in values)), flush=True)
