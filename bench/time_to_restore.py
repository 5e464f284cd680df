#!/usr/bin/env python3
"""Time to restore: from the failed health check of a broken release to the previous release answering again.

Side A, the platform: a deploy of a release whose health check fails; compensation restores the artifacts from the
release backup and reloads (no install, no build). Measured from the end of Task_HealthCheck (failed) to the end of
Task_HealthCheckPreviousRelease (healthy), both from the run's own step times.
Side B, the old script (rollback-production.sh): git checkout of the previous commit, npm ci, npm run build, pm2
reload, health poll; wall time.

Both run against the same "realistic" backend: express + TypeScript from the npm registry, built with tsc
(generated here, not committed). The sides alternate; medians of --runs (default 5). Usage:

    mvn -B -q package -DskipTests && python3 bench/time_to_restore.py [--runs 5]
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request
from base64 import b64encode
from datetime import datetime

from common import GIT_ENV, PM2, free_port, jar, print_step_medians, run, step_times, write


MAIN_TS = """import express from 'express';
const app = express();
app.get('/api/health', (_req, res) => { res.status(%d).json({ version: '%s' }); });
app.listen(Number(process.env.PORT), '127.0.0.1');
"""


def make_repo(work, app_name):
    src = os.path.join(work, "src")
    os.makedirs(src)
    run(["git", "init", "-q", "--initial-branch=main"], src)
    write(os.path.join(src, ".gitignore"), "node_modules/\ndist/\n")
    write(os.path.join(src, "backend/package.json"), json.dumps({
        "name": "bench-backend", "version": "1.0.0", "private": True,
        "scripts": {"build": "tsc -p ."},
        "dependencies": {"express": "4.21.2"},
        "devDependencies": {"typescript": "5.6.3", "@types/express": "4.17.21", "@types/node": "20.17.6"}}, indent=2))
    write(os.path.join(src, "backend/tsconfig.json"), json.dumps({"compilerOptions": {
        "target": "es2020", "module": "commonjs", "outDir": "dist", "rootDir": "src", "esModuleInterop": True,
        "strict": True, "skipLibCheck": False}}))
    write(os.path.join(src, "backend/ecosystem.config.js"),
          "module.exports = { apps: [{ name: process.env.APP_NAME || '%s', script: 'dist/main.js', "
          "cwd: __dirname }] };\n" % app_name)
    write(os.path.join(src, "backend/src/main.ts"), MAIN_TS % (200, "good"))
    run(["npm", "install", "--no-audit", "--no-fund"], os.path.join(src, "backend"), env=os.environ)
    run(["git", "add", "-A"], src)
    run(["git", "commit", "-q", "-m", "good"], src)
    run(["git", "tag", "good"], src)
    write(os.path.join(src, "backend/src/main.ts"), MAIN_TS % (503, "broken"))
    run(["git", "commit", "-qam", "broken"], src)
    run(["git", "tag", "broken"], src)
    origin = os.path.join(work, "origin.git")
    run(["git", "clone", "-q", "--bare", src, origin], work)
    return origin


def healthy(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/api/health" % port, timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


def wait_healthy(port, limit=120):
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if healthy(port):
            return
        time.sleep(0.05)
    raise RuntimeError("not healthy after %ss" % limit)


class Platform:
    def __init__(self, work, workdir, port, app):
        self.port = free_port()
        args = ["java", "-jar", jar(), "--server.port=%d" % self.port, "--runbook.data-dir=%s/data" % work,
                "--runbook.tools.pm2=%s" % PM2,
                "--runbook.identity.users[0].id=bench", "--runbook.identity.users[0].password=bench-pw",
                "--runbook.identity.users[0].groups[0]=operators",
                "--runbook.targets.app.workdir=%s" % workdir, "--runbook.targets.app.approval.required=false",
                "--runbook.targets.app.env.PORT=%d" % port,
                "--runbook.targets.app.components.backend.dir=backend",
                "--runbook.targets.app.components.backend.pm2-app=%s" % app,
                "--runbook.targets.app.components.backend.ecosystem=backend/ecosystem.config.js",
                "--runbook.targets.app.components.backend.health-url=http://127.0.0.1:%d/api/health" % port,
                "--runbook.targets.app.health.attempts=3", "--runbook.targets.app.health.interval=PT0.2S",
                "--runbook.targets.app.health.stability-window=PT1S"]
        self.proc = subprocess.Popen(args, cwd=work, stdout=open(os.path.join(work, "platform.log"), "w"),
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/actuator/health" % self.port, timeout=2)
                return
            except Exception:
                time.sleep(0.5)
        raise RuntimeError("platform did not start")

    def call(self, method, path, body=None):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), method=method,
                                     data=None if body is None else json.dumps(body).encode())
        req.add_header("Authorization", "Basic " + b64encode(b"bench:bench-pw").decode())
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def deploy(self, ref):
        run_id = self.call("POST", "/api/targets/app/deployments", {"gitRef": ref})["runId"]
        while True:
            r = self.call("GET", "/api/runs/" + run_id)
            if r["state"] in ("ENDED", "INCIDENT"):
                return r
            time.sleep(0.2)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def ts(value):
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def platform_restore(platform):
    r = platform.deploy("broken")
    assert r["outcome"] == "ROLLED_BACK", r
    steps = {s["activityId"]: s for s in r["steps"]}
    BREAKDOWNS.append(step_times(r))
    return ts(steps["Task_HealthCheckPreviousRelease"]["endedAt"]) - ts(steps["Task_HealthCheck"]["endedAt"])


BREAKDOWNS = []


def script_restore(workdir, port, app, good_sha):
    backend = os.path.join(workdir, "backend")
    env = dict(os.environ)
    env.pop("NODE_ENV", None)
    start = time.monotonic()
    run(["git", "checkout", "-q", "--detach", "--force", good_sha], workdir)
    run(["npm", "ci", "--no-audit", "--no-fund"], backend, env=env)
    run(["npm", "run", "build"], backend, env=env)
    run([PM2, "startOrReload", "ecosystem.config.js", "--only", app, "--update-env"], backend,
        env=dict(os.environ, PORT=str(port), APP_NAME=app))
    wait_healthy(port)
    return time.monotonic() - start


def script_break(workdir, port, app):
    """Puts the broken release in place the way the old script deploys it (so side B restores from the same state)."""
    backend = os.path.join(workdir, "backend")
    run(["git", "checkout", "-q", "--detach", "--force", "broken"], workdir)
    run(["npm", "ci", "--no-audit", "--no-fund"], backend, env=os.environ)
    run(["npm", "run", "build"], backend, env=os.environ)
    run([PM2, "startOrReload", "ecosystem.config.js", "--only", app, "--update-env"], backend,
        env=dict(os.environ, PORT=str(port), APP_NAME=app))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="runbook-bench-")
    os.environ["PM2_HOME"] = os.path.join(work, "pm2")
    app, port = "bench-backend", free_port()
    origin = make_repo(work, app)
    a_dir, b_dir = os.path.join(work, "a"), os.path.join(work, "b")
    run(["git", "clone", "-q", origin, a_dir], work)
    run(["git", "clone", "-q", origin, b_dir], work)
    port_b = free_port()
    platform = Platform(work, a_dir, port, app)
    try:
        first = platform.deploy("good")
        assert first["outcome"] == "DEPLOYED", first
        good_sha = first["targetCommit"]
        ours, theirs = [], []
        for i in range(args.runs):
            ours.append(platform_restore(platform))
            script_break(b_dir, port_b, app + "-script")
            theirs.append(script_restore(b_dir, port_b, app + "-script", good_sha))
            print("run %d: platform %.2f s, rebuild script %.2f s, load %s" % (
                i + 1, ours[-1], theirs[-1], open("/proc/loadavg").read().split()[0]), flush=True)
        mo, mt = statistics.median(ours), statistics.median(theirs)
        print("median time to restore: platform %.2f s, rebuild script %.2f s, ratio %.2f" % (mo, mt, mo / mt))
        print_step_medians("platform", BREAKDOWNS)
    finally:
        platform.stop()
        subprocess.run([PM2, "kill"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
