#!/usr/bin/env python3
"""Time to restore: from the failed health check of a broken release to the previous release serving again.

Target: the realistic app of bench/overhead.py (NestJS backend built with tsc + Vite frontend, two components, their
dependencies from the npm registry; generated here, not committed), with a third release `broken` (v2 whose backend
health endpoint answers 503).

Side A, the platform: a deploy of `broken` (approval off), built in its own release directory; the run's
compensation switches `current` back to the previous release and reloads it (no copy, no install, no build).

This counts from the end of the failed health check, as the benches before issue 14 did; bench/releases.py counts
from the first bad answer a user got (the issue's definition) and covers a release that crashes at boot too.
Side B, rollback-production.sh as the users' operations guide describes it (restore the git code, rebuild, restore
the PM2 services): bench/deploy-script.sh with the previous commit (git checkout, npm ci and npm run build of both
components, pm2 startOrReload, health poll), after the same broken release was put in place the same way.

Restored: the first moment a poller in this process (every 50 ms, both sides alike) sees the backend answer 200 with
the previous version and the frontend answer 200. Side A counts from the end of the failed Task_HealthCheck (the run's
own step times, same clock), side B from the start of the script. For side A the end of
Task_HealthCheckPreviousRelease is reported too: the platform has then also waited out its stability window and
checked the health URLs itself. Medians of --runs (default 5), sides alternating. Usage:

    mvn -B -q package -DskipTests && python3 bench/time_to_restore.py [--runs 5] [--jvm=-XX:TieredStopAtLevel=1]
"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.request

from common import PM2, Platform, machine, print_step_medians, run, step_times, ts, write
from overhead import Target, realistic_repo

BROKEN_CONTROLLER = """import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';

@Controller('api')
export class HealthController {
  @Get('health')
  health() {
    throw new ServiceUnavailableException({ status: 'broken', version: 'broken' });
  }
}
"""


def add_broken_release(work, target):
    """Commits `broken` on top of v2 in the target's source repo and pushes it to its origin; returns its sha."""
    src = os.path.join(work, target.name + "-src")
    write(os.path.join(src, "backend/src/health.controller.ts"), BROKEN_CONTROLLER)
    run(["git", "commit", "-qam", "broken"], src)
    run(["git", "tag", "broken"], src)
    run(["git", "push", "-q", target.origin, "HEAD:refs/heads/main", "refs/tags/broken"], src)
    return subprocess.check_output(["git", "rev-parse", "broken"], cwd=src, text=True).strip()


class Poller:
    """Polls the backend health URL and the frontend page every 50 ms; `samples` holds (time, restored) pairs, where
    restored means the backend answers 200 with version `version` and the frontend answers 200."""

    def __init__(self, ports, version):
        self.backend = "http://127.0.0.1:%d/api/health" % ports["BACKEND_PORT"]
        self.frontend = "http://127.0.0.1:%d/" % ports["FRONTEND_PORT"]
        self.version, self.samples, self.stopped = version, [], False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def ok(self):
        try:
            with urllib.request.urlopen(self.backend, timeout=1) as r:
                if r.status != 200 or json.loads(r.read()).get("version") != self.version:
                    return False
            with urllib.request.urlopen(self.frontend, timeout=1) as r:
                return r.status == 200
        except Exception:
            return False

    def loop(self):
        while not self.stopped:
            t = time.time()
            self.samples.append((t, self.ok()))
            time.sleep(max(0.0, 0.05 - (time.time() - t)))

    def first_restored_after(self, since):
        """Time of the first poll started after `since` that saw the previous release serving, or None."""
        return next((t for t, ok in list(self.samples) if t >= since and ok), None)

    def stop(self):
        self.stopped = True
        self.thread.join()


def script_break(target, sha, env):
    """The broken release put in place as the old scripts deploy (no health wait: it never gets healthy)."""
    b = target.b
    run(["git", "fetch", "-q", "origin"], b)
    run(["git", "checkout", "-q", "--detach", "--force", sha], b)
    script_env = dict(env, **{k: str(v) for k, v in target.ports_b.items()})
    for comp, eco, app, _, _ in target.components:
        run(["npm", "ci", "--no-audit", "--no-fund"], os.path.join(b, comp), env=script_env)
        run(["npm", "run", "build"], os.path.join(b, comp), env=script_env)
        run([PM2, "startOrReload", eco, "--only", app, "--update-env"], b, env=script_env)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3,
                        help="platform deploys before the measured runs (the first installs; the JIT warms up)")
    parser.add_argument("--stability-window", default=None,
                        help="platform health.stability-window (default: the platform's default, PT2S)")
    parser.add_argument("--jvm", default="", help="JVM flags of the platform, e.g. --jvm=-XX:TieredStopAtLevel=1")
    args = parser.parse_args()
    print(machine(), "platform JVM flags: %s" % (args.jvm or "none"), "stability window: %s" % (
        args.stability_window or "default"), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    work = tempfile.mkdtemp(prefix="runbook-bench-restore-")
    target = Target(work, "realistic", realistic_repo)
    broken = add_broken_release(work, target)
    env_a = dict(os.environ, PM2_HOME=os.path.join(work, "pm2-platform"))
    env_b = dict(os.environ, PM2_HOME=os.path.join(work, "pm2-script"), PM2=PM2)
    env_a.pop("NODE_ENV", None)
    env_b.pop("NODE_ENV", None)
    p = "--runbook.targets.realistic."
    extra = target.properties("PT0.5S") + [p + "health.attempts=3"]
    if args.stability_window:
        extra.append(p + "health.stability-window=" + args.stability_window)
    platform = Platform(work, extra, env=env_a, jvm=args.jvm.split())

    def deploy(ref):
        run_id = platform.call("POST", "/api/targets/realistic/deployments", {"gitRef": ref})["runId"]
        return platform.await_end(run_id, poll=0.5)

    try:
        for i in range(args.warmup):
            r = deploy("v1" if (args.warmup - 1 - i) % 2 == 0 else "v2")
            assert r["outcome"] == "DEPLOYED", r
        target.script("v1", env_b)
        ours, verified, theirs, breakdowns = [], [], [], []
        for i in range(args.runs):
            for side in (("platform", "script") if i % 2 == 0 else ("script", "platform")):
                if side == "platform":
                    poller = Poller(target.ports_a, "v1")
                    r = deploy("broken")
                    poller.stop()
                    assert r["outcome"] == "ROLLED_BACK", r
                    steps = {s["activityId"]: s for s in r["steps"]}
                    failed = ts(steps["Task_HealthCheck"]["endedAt"])
                    restored = poller.first_restored_after(failed)
                    assert restored is not None, "the poller never saw v1 again"
                    ours.append(restored - failed)
                    verified.append(ts(steps["Task_HealthCheckPreviousRelease"]["endedAt"]) - failed)
                    breakdowns.append(step_times(r))
                else:
                    script_break(target, broken, env_b)
                    poller = Poller(target.ports_b, "v1")
                    start = time.time()
                    target.script("v1", env_b)
                    restored = poller.first_restored_after(start)
                    poller.stop()
                    theirs.append(restored - start)
            print("run %d: platform %.2f s (verified %.2f s), rebuild script %.2f s, load %s" % (
                i + 1, ours[-1], verified[-1], theirs[-1], open("/proc/loadavg").read().split()[0]), flush=True)
        mo, mv, mt = statistics.median(ours), statistics.median(verified), statistics.median(theirs)
        print("median time to restore: platform %.2f s (verified %.2f s), rebuild script %.2f s, ratio %.2f "
              "(verified %.2f)" % (mo, mv, mt, mo / mt, mv / mt), flush=True)
        print_step_medians("platform", breakdowns)
    finally:
        platform.stop()
        for env in (env_a, env_b):
            subprocess.run([PM2, "kill"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
