#!/usr/bin/env python3
"""Immutable releases (issue 14, "Measured"): what users of the realistic NestJS + Vite target see during deploys,
failed deploys and rollbacks, the platform (release directories, atomic switch, node_modules hard-linked when the lock
file is unchanged) against the users' scripts (deploy-script.sh in one in-place checkout: npm ci and build where the
app serves; the rollback script is deploy-script.sh with the previous commit, a rebuild).

A poller in this process GETs the backend's /api/health (its `version`) and the frontend's page (its <title>) every
100 ms each (two threads, 2 s timeout, both sides alike). An answer is bad when it is not 200 or comes from another
release than the one that should serve. Scenarios (--scenarios, in this order; sides alternate which goes first):

  code     deploy of a code-only change (v1 <-> v2, same lock file): wall time, POST to the run's endedAt against the
           script's wall time; and the answers of the new release before its switch (platform: before
           Task_SwitchRelease starts; script: before its `pm2 startOrReload` of that app), and failed answers.
  disk     more code-only deploys until ten releases exist; `du -s -B1` (each inode once) of the root and of
           releases/ against one release directory and the script's one checkout.
  crash    deploy of a release whose backend throws at boot (its app module: "CATS_API_KEY is not set"; the process
           exits, PM2 restarts it), from the serving v1/v2; bad answers and the outage from the first bad answer to the previous release
           answering again on both apps. Script: deploy-script.sh of the release (its health wait cut to
           --script-health-tries x 0.5 s, by default 20 s like the platform's default 10 x 2 s), then the rollback
           script at once.
  hang     (not in the default list) the same check in bootstrap() after NestFactory.create: an unhandled
           rejection, which PM2 catches: the process stays online and never listens.
  broken   the same with a release whose backend health answers 503 (it boots and listens).
  lock     deploy of a lock-file change (v2 <-> v3: rxjs bumped), both sides run npm ci.
  cluster  a second target whose backend runs in PM2 cluster mode (2 instances; frontend fork mode as before): a
           good deploy and a rollback (platform: POST /rollbacks, the release before; script: deploy-script.sh of
           the previous commit); failed answers per app.

The platform runs with its default health policy (10 attempts 2 s apart, 2 s stability window) unless
--health-interval is given. Medians of --runs (default 5). Usage:

    mvn -B -q -o package -DskipTests && python3 bench/releases.py [--runs 5] [--scenarios code,disk,crash,...]
"""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, threading, time
import urllib.error, urllib.request

from common import PM2, Platform, machine, print_step_medians, run, step_times, ts, write
from overhead import NEST_MAIN, SCRIPT, Target, realistic_files, realistic_repo
from time_to_restore import BROKEN_CONTROLLER

# crash: the backend throws while its modules load (NestJS starter layout: the check at the top of the app module),
# an uncaught exception: the process exits and PM2 restarts it, again and again
CRASH_MODULE = """import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

if (!process.env.CATS_API_KEY) {
  throw new Error('CATS_API_KEY is not set: refusing to start');
}

@Module({ controllers: [HealthController] })
export class AppModule {}
"""
# hang: the same check after NestFactory.create in bootstrap(), a rejected promise nobody handles; under PM2 (which
# handles unhandledRejection) the process logs it and stays online without listening
HANG_MAIN = """import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  if (!process.env.CATS_API_KEY) {
    throw new Error('CATS_API_KEY is not set: refusing to start');
  }
  await app.listen(Number(process.env.BACKEND_PORT), '127.0.0.1');
}
bootstrap();
"""
CLUSTER_ECOSYSTEM = ("module.exports = { apps: [{ name: 'cluster-backend', script: 'dist/main.js', cwd: __dirname, "
                     "exec_mode: 'cluster', instances: 2 }] };\n")


def load():
    return open("/proc/loadavg").read().split()[0]


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def more_releases(work, target):
    """v3 (v2 with a lock-file change), crash, hang and broken (with v2's lock file), pushed to the target's origin."""
    src = os.path.join(work, target.name + "-src")
    backend = os.path.join(src, "backend")
    realistic_files(src, "v3")
    with open(os.path.join(backend, "package.json")) as f:
        package = json.load(f)
    package["dependencies"]["rxjs"] = "7.8.2"
    write(os.path.join(backend, "package.json"), json.dumps(package, indent=2))
    run(["npm", "install", "--no-audit", "--no-fund", "--package-lock-only"], backend, env=os.environ)
    run(["git", "commit", "-qam", "v3: rxjs 7.8.2"], src)
    run(["git", "tag", "v3"], src)
    run(["git", "checkout", "-q", "v2", "--", "backend/package.json", "backend/package-lock.json"], src)
    realistic_files(src, "crash")
    write(os.path.join(backend, "src/app.module.ts"), CRASH_MODULE)
    run(["git", "commit", "-qam", "crash: the backend throws at boot"], src)
    run(["git", "tag", "crash"], src)
    run(["git", "checkout", "-q", "v2", "--", "backend/src/app.module.ts"], src)
    realistic_files(src, "hang")
    write(os.path.join(backend, "src/main.ts"), HANG_MAIN)
    run(["git", "commit", "-qam", "hang: bootstrap() rejects after NestFactory.create"], src)
    run(["git", "tag", "hang"], src)
    realistic_files(src, "broken")
    write(os.path.join(backend, "src/main.ts"), NEST_MAIN)
    write(os.path.join(backend, "src/health.controller.ts"), BROKEN_CONTROLLER)
    run(["git", "commit", "-qam", "broken: health answers 503"], src)
    run(["git", "tag", "broken"], src)
    run(["git", "push", "-q", target.origin, "HEAD:refs/heads/main", "refs/tags/v3", "refs/tags/crash",
         "refs/tags/hang", "refs/tags/broken"], src)
    for tag in ("v3", "crash", "hang", "broken"):
        target.shas[tag] = subprocess.check_output(["git", "rev-parse", tag], cwd=src, text=True).strip()


def cluster_repo(src):
    files = realistic_repo(src)
    write(os.path.join(src, "backend/ecosystem.config.js"), CLUSTER_ECOSYSTEM)
    eco = os.path.join(src, "frontend/ecosystem.config.js")
    with open(eco) as f:
        text = f.read()
    write(eco, text.replace("'shop-frontend'", "'cluster-frontend'"))
    return files


class Poller:
    """GETs each app every 100 ms in its own thread (2 s timeout); samples[app] holds (time, status, version): version
    is the backend's `version` or the frontend's title word, or with status None (no answer) why: `timeout` or the
    error's class (ConnectionRefusedError ...)."""

    def __init__(self, ports, interval=0.1):
        self.urls = {"backend": "http://127.0.0.1:%d/api/health" % ports["BACKEND_PORT"],
                     "frontend": "http://127.0.0.1:%d/" % ports["FRONTEND_PORT"]}
        self.interval, self.stopped = interval, False
        self.samples = {app: [] for app in self.urls}
        self.threads = [threading.Thread(target=self.loop, args=(app,), daemon=True) for app in self.urls]
        for t in self.threads:
            t.start()

    def get(self, app):
        try:
            with urllib.request.urlopen(self.urls[app], timeout=2) as r:
                status, body = r.status, r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode(errors="replace")
        except Exception as e:  # no answer: the kind, to tell a refused connection from a slow answer
            reason = getattr(e, "reason", e)
            return None, "timeout" if "timed out" in str(reason) else type(reason).__name__
        if app == "backend":
            try:
                return status, json.loads(body).get("version")
            except ValueError:
                return status, None
        m = re.search(r"<title>shop (\S+)</title>", body)
        return status, m.group(1) if m else None

    def loop(self, app):
        while not self.stopped:
            t = time.time()
            status, version = self.get(app)
            self.samples[app].append((t, status, version))
            time.sleep(max(0.0, self.interval - (time.time() - t)))

    def serving(self, version, since):
        """True once each app's last sample after `since` answered 200 from `version`."""
        for app in self.urls:
            s = [x for x in self.samples[app] if x[0] >= since]
            if not s or s[-1][1] != 200 or s[-1][2] != version:
                return False
        return True

    def stop(self):
        self.stopped = True
        for t in self.threads:
            t.join()


def outage(poller, good, since):
    """Bad answers (not 200, or not from `good`) after `since`: counts per app, the first bad answer and when every
    app answered from `good` again after its last bad answer; duration = restored - first bad (0 without one)."""
    counts, first, restored = {}, None, None
    for app, samples in poller.samples.items():
        samples = [s for s in samples if s[0] >= since]
        bad = [s for s in samples if s[1] != 200 or s[2] != good]
        counts[app] = len(bad)
        if bad and os.environ.get("BENCH_DEBUG"):
            print("debug %s: first bad %s, last bad %s, good %s" % (app, bad[0], bad[-1], good), flush=True)
        if bad:
            first = bad[0][0] if first is None else min(first, bad[0][0])
            back = next((s[0] for s in samples if s[0] > bad[-1][0]), None)
            restored = back if restored is None or back is None else max(restored, back)
    return {"counts": counts, "first": first, "restored": restored,
            "duration": 0.0 if first is None else (restored - first if restored else float("nan"))}


def before(poller, new, switches, since):
    """Answers before each app's switch: (from the new release, failed) counted over both apps."""
    new_count = failed = 0
    for app, samples in poller.samples.items():
        for t, status, version in samples:
            if since <= t < switches[app]:
                new_count += version == new
                failed += status != 200
    return new_count, failed


def failed_answers(poller, since, until):
    return {app: sum(1 for t, status, _ in s if since <= t <= until and status != 200)
            for app, s in poller.samples.items()}


def failure_kinds(poller, since, until):
    """{app: {kind: count}} of the answers that failed between since and until (kind: HTTP status or no-answer reason)."""
    kinds = {}
    for app, s in poller.samples.items():
        for t, status, version in s:
            if since <= t <= until and status != 200:
                key = str(status) if status else version
                kinds.setdefault(app, {}).setdefault(key, 0)
                kinds[app][key] += 1
    return kinds


class Bench:
    def __init__(self, args, work):
        self.args, self.work = args, work
        self.env_a = dict(os.environ, PM2_HOME=os.path.join(work, "pm2-platform"))
        self.env_b = dict(os.environ, PM2_HOME=os.path.join(work, "pm2-script"), PM2=PM2)
        self.env_a.pop("NODE_ENV", None)
        self.env_b.pop("NODE_ENV", None)
        self.env_b.pop("CATS_API_KEY", None)
        self.env_a.pop("CATS_API_KEY", None)

    def platform_run(self, path, body):
        start = time.time()
        run_id = self.platform.call("POST", path, body)["runId"]
        r = self.platform.await_end(run_id, poll=0.5)
        return r, start, ts(r["endedAt"])

    def deploy(self, target, ref):
        return self.platform_run("/api/targets/%s/deployments" % target.name, {"gitRef": ref})

    def script(self, target, version, marks=None, tries=None):
        """deploy-script.sh in the in-place checkout: (start, end, exit code, {app: time of its reload})."""
        argv = [SCRIPT, target.b, target.shas[version]]
        for comp, eco, app, port_var, path in target.components:
            argv += [comp, eco, app, "http://127.0.0.1:%d%s" % (target.ports_b[port_var], path)]
        env = dict(self.env_b, **{k: str(v) for k, v in target.ports_b.items()})
        marks_file = os.path.join(self.work, "marks")
        if os.path.exists(marks_file):
            os.remove(marks_file)
        env["MARKS"] = marks_file
        if tries:
            env["HEALTH_TRIES"] = str(tries)
        start = time.time()
        rc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        end = time.time()
        reloads = {}
        if os.path.exists(marks_file):
            for line in open(marks_file):
                t, _, app = line.split()
                reloads.setdefault(app, float(t))
        return start, end, rc, reloads

    def settle(self, poller, version, limit=15):
        deadline = time.time() + limit
        now = time.time()
        while time.time() < deadline and not poller.serving(version, now):
            time.sleep(0.1)

    # --- scenarios -------------------------------------------------------------------------------------------

    def good_deploys(self, target, label, versions):
        """Alternating good deploys: wall times, answers before the switch, failed answers."""
        rows, breakdowns = [], []
        apps = {c[0]: c[2] for c in target.components}
        for i in range(self.args.runs):
            new = versions[i % 2]
            row = {"version": new}
            for side in (("platform", "script") if i % 2 == 0 else ("script", "platform")):
                if side == "platform":
                    poller = Poller(target.ports_a)
                    r, start, end = self.deploy(target, new)
                    self.settle(poller, new, 3)
                    poller.stop()
                    assert r["outcome"] == "DEPLOYED", r
                    steps = {s["activityId"]: s for s in r["steps"]}
                    switch = ts(steps["Task_SwitchRelease"]["startedAt"])
                    row["platform"] = end - start
                    row["p_before"] = before(poller, new, {a: switch for a in apps}, start)
                    row["p_failed"] = failed_answers(poller, start, end)
                    breakdowns.append(step_times(r))
                else:
                    poller = Poller(target.ports_b)
                    start, end, rc, reloads = self.script(target, new)
                    self.settle(poller, new, 3)
                    poller.stop()
                    assert rc == 0, "script deploy of %s failed" % new
                    row["script"] = end - start
                    row["s_before"] = before(poller, new, {c: reloads[a] for c, a in apps.items()}, start)
                    row["s_failed"] = failed_answers(poller, start, end)
            rows.append(row)
            print("%s run %d (%s): platform %.2f s, script %.2f s, ratio %.2f; answers before the switch "
                  "(new, failed) platform %s script %s; failed answers during the deploy platform %s script %s; "
                  "load %s" % (label, i + 1, new, row["platform"], row["script"], row["platform"] / row["script"],
                               row["p_before"], row["s_before"], row["p_failed"], row["s_failed"], load()),
                  flush=True)
        mp = statistics.median(r["platform"] for r in rows)
        ms = statistics.median(r["script"] for r in rows)
        print("%s median: platform %.2f s, script %.2f s, ratio %.2f; answers from the new release before its "
              "switch: platform max %d (total %d), script max %d (total %d); failed before the switch: platform "
              "total %d, script total %d" % (
                  label, mp, ms, mp / ms, max(r["p_before"][0] for r in rows), sum(r["p_before"][0] for r in rows),
                  max(r["s_before"][0] for r in rows), sum(r["s_before"][0] for r in rows),
                  sum(r["p_before"][1] for r in rows), sum(r["s_before"][1] for r in rows)), flush=True)
        print_step_medians("%s platform" % label, breakdowns)

    def disk(self, target, versions):
        releases = os.path.join(target.root, "releases")
        i = 0
        while len(os.listdir(releases)) < 10 and i < 12:
            r, _, _ = self.deploy(target, versions[i % 2])
            assert r["outcome"] == "DEPLOYED", r
            i += 1
        ids = sorted(os.listdir(releases))
        current = os.path.basename(os.path.realpath(os.path.join(target.root, "current")))

        def du(*paths):
            out = subprocess.check_output(["du", "-s", "-B1", "-c"] + list(paths), text=True)
            return int(out.strip().splitlines()[-1].split()[0])
        one = du(os.path.join(releases, current))
        all_releases = du(releases)
        root = du(target.root)
        script = du(target.b)
        print("disk: %d releases (%d deploys made for it), root %.1f MiB, releases/ %.1f MiB, one release %.1f MiB, "
              "ratio releases/one %.2f, root/one %.2f; the script's checkout %.1f MiB, root/script %.2f; "
              "sum of the releases counted apart %.1f MiB" % (
                  len(ids), i, root / 2**20, all_releases / 2**20, one / 2**20, all_releases / one, root / one,
                  script / 2**20, root / script,
                  sum(du(os.path.join(releases, x)) for x in ids) / 2**20), flush=True)

    def failing(self, target, bad, label):
        """Deploys of a failing release from the serving good one, both sides; outage from the first bad answer."""
        rows, breakdowns = [], []
        serving = {"platform": self.served, "script": self.served_b}
        for i in range(self.args.runs):
            row = {}
            for side in (("platform", "script") if i % 2 == 0 else ("script", "platform")):
                good = serving[side]
                if side == "platform":
                    poller = Poller(target.ports_a)
                    r, start, end = self.deploy(target, bad)
                    self.settle(poller, good)
                    poller.stop()
                    assert r["outcome"] == "ROLLED_BACK", r
                    o = outage(poller, good, start)
                    steps = {s["activityId"]: s for s in r["steps"]}
                    # the step that saw the failure: the health check, or the reload when the backend's answer is
                    # awaited there before the frontend (depends-on); its share counts from the first bad answer
                    failed = [x for x in r["steps"] if x.get("outcome") == "FAILED" and not x.get("compensation")]
                    hc = failed[0] if failed else steps.get("Task_HealthCheck")
                    back = steps.get("Task_SwitchBack")
                    row["platform"] = o
                    row["p_health"] = (ts(hc["endedAt"]) - max(ts(hc["startedAt"]), o["first"] or 0)
                                       if hc and hc.get("endedAt") else 0.0)
                    row["p_step"] = hc["activityId"] if hc else "?"
                    row["p_detect"] = (ts(back["startedAt"]) - o["first"]) if back and o["first"] else float("nan")
                    row["p_undo"] = (o["restored"] - ts(back["startedAt"])) if back and o["restored"] else float("nan")
                    row["p_run"] = end - start
                    breakdowns.append(step_times(r))
                else:
                    poller = Poller(target.ports_b)
                    start, end, rc, _ = self.script(target, bad, tries=self.args.script_health_tries)
                    assert rc != 0, "the script's deploy of %s succeeded" % bad
                    rb_start, rb_end, rc, _ = self.script(target, good)
                    self.settle(poller, good)
                    poller.stop()
                    assert rc == 0, "the rollback script failed"
                    o = outage(poller, good, start)
                    row["script"] = o
                    row["s_detect"] = end - o["first"] if o["first"] else float("nan")
                    row["s_undo"] = o["restored"] - rb_start if o["restored"] else float("nan")
            rows.append(row)
            p, s = row["platform"], row["script"]
            print("%s run %d: outage platform %.2f s (bad answers %s; first bad -> switch back %.2f s, of which the "
                  "health check %.2f s (in %s); switch back -> restored %.2f s; run %.2f s), script %.2f s (bad answers "
                  "%s; first bad -> script gave up %.2f s, rollback script -> restored %.2f s); load %s" % (
                      label, i + 1, p["duration"], p["counts"], row["p_detect"], row["p_health"], row["p_step"],
                      row["p_undo"],
                      row["p_run"], s["duration"], s["counts"], row["s_detect"], row["s_undo"], load()), flush=True)

        def med(key, sub=None):
            return statistics.median(r[key][sub] if sub else r[key] for r in rows)
        print("%s median: outage (first bad answer -> previous release answering on both apps) platform %.2f s, "
              "script %.2f s; bad answers platform backend %s frontend %s, script backend %s frontend %s; platform "
              "first bad -> switch back %.2f s (health check step %.2f s), switch back -> restored %.2f s; script "
              "gave up after %.2f s, its rollback %.2f s" % (
                  label, med("platform", "duration"), med("script", "duration"),
                  statistics.median(r["platform"]["counts"]["backend"] for r in rows),
                  statistics.median(r["platform"]["counts"]["frontend"] for r in rows),
                  statistics.median(r["script"]["counts"]["backend"] for r in rows),
                  statistics.median(r["script"]["counts"]["frontend"] for r in rows),
                  med("p_detect"), med("p_health"), med("p_undo"), med("s_detect"), med("s_undo")), flush=True)
        print_step_medians("%s platform" % label, breakdowns)

    def cluster(self, target):
        rows = []
        for i in range(self.args.runs):
            row = {}
            for side in (("platform", "script") if i % 2 == 0 else ("script", "platform")):
                if side == "platform":
                    poller = Poller(target.ports_a)
                    r, start, end = self.deploy(target, "v2")
                    assert r["outcome"] == "DEPLOYED", r
                    d = failed_answers(poller, start, end)
                    r, start2, end2 = self.platform_run("/api/targets/%s/rollbacks" % target.name, None)
                    assert r["outcome"] == "RESTORED", r
                    self.settle(poller, "v1", 3)
                    poller.stop()
                    row["platform"] = (d, failed_answers(poller, start2, end2 + 0.3), end - start, end2 - start2)
                    row["p_kinds"] = (failure_kinds(poller, start, end), failure_kinds(poller, start2, end2 + 0.3))
                else:
                    poller = Poller(target.ports_b)
                    start, end, rc, _ = self.script(target, "v2")
                    assert rc == 0
                    start2, end2, rc, _ = self.script(target, "v1")
                    assert rc == 0
                    self.settle(poller, "v1", 3)
                    poller.stop()
                    row["script"] = (failed_answers(poller, start, end), failed_answers(poller, start2, end2 + 0.3),
                                     end - start, end2 - start2)
                    row["s_kinds"] = (failure_kinds(poller, start, end), failure_kinds(poller, start2, end2 + 0.3))
            rows.append(row)
            p, s = row["platform"], row["script"]
            print("cluster run %d: failed answers deploy/rollback platform %s / %s (%.2f s / %.2f s), script %s / %s "
                  "(%.2f s / %.2f s); kinds platform %s, script %s; load %s" % (
                      i + 1, p[0], p[1], p[2], p[3], s[0], s[1], s[2], s[3], row["p_kinds"], row["s_kinds"], load()),
                  flush=True)
        for side in ("platform", "script"):
            print("cluster %s: failed backend answers, deploys %s, rollbacks %s; frontend (fork mode) deploys %s, "
                  "rollbacks %s; median deploy %.2f s, rollback %.2f s" % (
                      side, [r[side][0]["backend"] for r in rows], [r[side][1]["backend"] for r in rows],
                      [r[side][0]["frontend"] for r in rows], [r[side][1]["frontend"] for r in rows],
                      statistics.median(r[side][2] for r in rows), statistics.median(r[side][3] for r in rows)),
                  flush=True)

    def main(self):
        args = self.args
        scenarios = args.scenarios.split(",")
        shop = Target(self.work, "shop", realistic_repo)
        more_releases(self.work, shop)
        targets = [shop]
        cluster = None
        if "cluster" in scenarios:
            cluster = Target(self.work, "cluster", cluster_repo)
            cluster.components = [("backend", "backend/ecosystem.config.js", "cluster-backend", "BACKEND_PORT",
                                   "/api/health"),
                                  ("frontend", "frontend/ecosystem.config.js", "cluster-frontend", "FRONTEND_PORT",
                                   "/")]
            targets.append(cluster)
        extra = [p for t in targets for p in t.properties(args.health_interval)]
        self.platform = Platform(self.work, extra, env=self.env_a, jvm=args.jvm.split())
        for i in range(args.warmup):  # the first installs and starts the apps; ends on v1
            r, _, _ = self.deploy(shop, "v1" if (args.warmup - 1 - i) % 2 == 0 else "v2")
            assert r["outcome"] == "DEPLOYED", r
        assert self.script(shop, "v1")[2] == 0
        self.served = self.served_b = "v1"
        for scenario in scenarios:
            print("--- %s; %s" % (scenario, uptime()), flush=True)
            try:
                self.sync(shop)
                self.scenario(scenario, shop, cluster)
            except Exception:  # one scenario's failure must not cost the others' figures
                import traceback
                traceback.print_exc()
                print("--- %s FAILED, going on" % scenario, flush=True)
        print("--- end; %s" % uptime(), flush=True)

    def sync(self, shop):
        """What each side serves now (v1, v2 or v3); a side serving anything else gets v1 first."""
        for side, ports in (("platform", shop.ports_a), ("script", shop.ports_b)):
            version = self.release_version(ports)
            if version not in ("v1", "v2", "v3"):
                print("%s serves %s: deploying v1 first" % (side, version), flush=True)
                if side == "platform":
                    assert self.deploy(shop, "v1")[0]["outcome"] == "DEPLOYED"
                else:
                    assert self.script(shop, "v1")[2] == 0
                version = "v1"
            if side == "platform":
                self.served = version
            else:
                self.served_b = version

    def scenario(self, scenario, shop, cluster):
        if scenario != "lock" and self.served_b != self.served:  # both sides start from the same release
            assert self.script(shop, self.served)[2] == 0
            self.served_b = self.served
        if scenario == "code":
            self.good_deploys(shop, "code-only", ("v2", "v1") if self.served != "v2" else ("v1", "v2"))
        elif scenario == "disk":
            self.disk(shop, ("v1", "v2") if self.served == "v2" else ("v2", "v1"))
            self.served = self.release_version(shop.ports_a)
        elif scenario in ("crash", "hang", "broken"):
            self.failing(shop, scenario, scenario)
        elif scenario == "lock":
            if self.served != "v2":
                assert self.deploy(shop, "v2")[0]["outcome"] == "DEPLOYED"
            if self.served_b != "v2":
                assert self.script(shop, "v2")[2] == 0
            self.good_deploys(shop, "lock-change", ("v3", "v2"))
        elif scenario == "cluster":
            for i in range(2):  # the first starts the apps, the second is the first reload in cluster mode
                r, _, _ = self.deploy(cluster, ("v2", "v1")[i])
                assert r["outcome"] == "DEPLOYED", r
            assert self.script(cluster, "v1")[2] == 0
            self.cluster(cluster)

    @staticmethod
    def release_version(ports):
        backend = "http://127.0.0.1:%d/api/health" % ports["BACKEND_PORT"]
        try:
            with urllib.request.urlopen(backend, timeout=2) as r:
                return json.loads(r.read())["version"]
        except Exception:
            return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--scenarios", default="code,disk,crash,broken,lock,cluster")
    parser.add_argument("--health-interval", default=None, help="platform health.interval (default: its default)")
    parser.add_argument("--script-health-tries", type=int, default=40,
                        help="the script's health polls (0.5 s apart) before it gives up on a failing release")
    parser.add_argument("--jvm", default="", help="JVM flags of the platform")
    args = parser.parse_args()
    print(machine(), "platform JVM flags: %s" % (args.jvm or "none"), uptime(), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    work = tempfile.mkdtemp(prefix="runbook-bench-releases-")
    bench = Bench(args, work)
    try:
        bench.main()
    finally:
        if getattr(bench, "platform", None):
            bench.platform.stop()
        for env in (bench.env_a, bench.env_b):
            subprocess.run([PM2, "kill"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not args_keep(work):
            shutil.rmtree(work, ignore_errors=True)


def args_keep(work):
    if os.environ.get("BENCH_KEEP"):
        print("kept", work)
        return True
    return False


if __name__ == "__main__":
    sys.exit(main())
