#!/usr/bin/env python3
"""Engine: runs started per second over REST, start latency p50/p99, time until all runs ENDED.

A minimal runbook: `backup` of a stub target (the demo fixture with one serving release under its root, which each
backup pins; its pm2 tool is a stand-in printing `[]`, as in LoadEndToEndTest), --n starts (default 400) from --clients concurrent client threads (default 20), two paths:
  ours    POST /api/targets/stub/backups (our REST layer: validation, RunLauncher, run id)
  engine  POST /engine-rest/process-definition/key/backup/start with the same variables (target, components=all),
          as an admin (operators may not start runs over /engine-rest): the same engine work without our REST
          layer (the reference).
On H2 (the default file database) and on PostgreSQL (a scratch database on 127.0.0.1:5432, user postgres, dropped
afterwards). Per database one platform; a warm-up of --warmup starts per path (default 40), then the paths alternate in --rounds
blocks of n/rounds starts, each block waits for its runs to end. Usage:

    mvn -B -q -o package -DskipTests && python3 bench/engine.py [--n 400] [--clients 20] [--db h2,postgres]
"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

from common import ADMIN_AUTH, AUTH, Platform, machine, run, write

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from overhead import small_repo, small_files  # noqa: E402  the demo fixture

BODY = json.dumps({"businessKey": "stub:backup", "variables": {
    "target": {"value": "stub", "type": "String"}, "components": {"value": "all", "type": "String"}}}).encode()


def post(port, path, body):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), method="POST", data=body)
    req.add_header("Authorization", ADMIN_AUTH if path.startswith("/engine-rest") else AUTH)
    req.add_header("Content-Type", "application/json")
    start = time.monotonic()
    with urllib.request.urlopen(req, timeout=120) as r:
        status = r.status
        r.read()
    return status, time.monotonic() - start


def ended(platform):
    return platform.call("GET", "/engine-rest/history/process-instance/count?processDefinitionKey=backup"
                                "&finished=true")["count"]


def block(platform, path, n, clients):
    """n starts over `path`; returns (starts/s, latencies, seconds until all ended)."""
    path_url, body = ("/api/targets/stub/backups", b"") if path == "ours" else (
        "/engine-rest/process-definition/key/backup/start", BODY)
    before = ended(platform)
    start = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        replies = list(pool.map(lambda _: post(platform.port, path_url, body), range(n)))
    started = time.monotonic() - start
    bad = [s for s, _ in replies if s not in (200, 202)]
    assert not bad, bad[:5]
    while ended(platform) - before < n:
        time.sleep(0.2)
    return n / started, [lat for _, lat in replies], time.monotonic() - start


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def fixture(work):
    src = os.path.join(work, "stub-src")
    os.makedirs(src)
    run(["git", "init", "-q", "--initial-branch=main"], src)
    small_repo(src)
    small_files(src, "v1")
    run(["git", "add", "-A"], src)
    run(["git", "commit", "-q", "-m", "v1"], src)
    # one serving release under the target's root, as a first deploy leaves it: `backup` pins the serving release
    # (with nothing serving every backup would end FAILED at once and measure less work)
    root = os.path.join(work, "stub-root")
    release = os.path.join(root, "releases", "20260101_000000_stub")
    os.makedirs(os.path.dirname(release))
    run(["git", "clone", "-q", src, release], work)
    run(["npm", "ci", "--no-audit", "--no-fund"], os.path.join(release, "backend"), env=os.environ)
    run(["npm", "run", "build"], os.path.join(release, "backend"), env=os.environ)
    os.symlink(os.path.join("releases", "20260101_000000_stub"), os.path.join(root, "current"))
    pm2 = os.path.join(work, "pm2-stand-in")
    write(pm2, "#!/bin/sh\necho '[]'\n")
    os.chmod(pm2, 0o755)
    return src, root, pm2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--db", default="h2,postgres")
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--jvm", default="", help="JVM flags of the platform, e.g. --jvm=-XX:TieredStopAtLevel=1")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    print(machine(), "platform JVM flags: %s" % (args.jvm or "none"), flush=True)
    per_block = args.n // args.rounds
    for db in args.db.split(","):
        work = tempfile.mkdtemp(prefix="runbook-bench-engine-")
        src, root, pm2 = fixture(work)
        extra = ["--runbook.targets.stub.remote=" + src,
                 "--runbook.targets.stub.root=" + root,
                 "--runbook.targets.stub.approval.required=false",
                 "--runbook.targets.stub.components.backend.dir=backend",
                 "--runbook.targets.stub.components.backend.pm2-app=stub-backend",
                 "--runbook.targets.stub.components.backend.ecosystem=backend/ecosystem.config.js",
                 "--runbook.targets.stub.components.backend.health-url=http://127.0.0.1:9/api/health"]
        dbname = "runbook_bench_%d" % os.getpid()
        if db == "postgres":
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc",
                            "CREATE DATABASE " + dbname], check=True)
            extra += ["--spring.datasource.url=jdbc:postgresql://127.0.0.1:5432/" + dbname,
                      "--spring.datasource.username=postgres"]
        platform = None
        try:
            platform = Platform(work, extra, pm2=pm2, jvm=args.jvm.split())
            for path in ("ours", "engine"):
                block(platform, path, args.warmup, args.clients)
            outcomes = {v["value"] for v in platform.call(
                "GET", "/engine-rest/history/variable-instance?variableName=runOutcome")}
            assert outcomes == {"BACKED_UP"}, "warm-up backups ended %s, not BACKED_UP" % outcomes
            results = {"ours": [], "engine": []}
            for r in range(args.rounds):
                for path in (("ours", "engine") if r % 2 == 0 else ("engine", "ours")):
                    rate, lats, all_ended = block(platform, path, per_block, args.clients)
                    results[path].append((rate, lats, all_ended))
                    print("%s %s block %d: %.1f starts/s, p50 %.0f ms, p99 %.0f ms, all ended after %.1f s, load %s"
                          % (db, path, r + 1, rate, pct(lats, 50) * 1000, pct(lats, 99) * 1000, all_ended,
                             open("/proc/loadavg").read().split()[0]), flush=True)
            summary = {}
            for path, blocks in results.items():
                lats = [lat for b in blocks for lat in b[1]]
                n = sum(len(b[1]) for b in blocks)
                start_time = sum(len(b[1]) / b[0] for b in blocks)
                summary[path] = (n / start_time, pct(lats, 50), pct(lats, 99), sum(b[2] for b in blocks))
                print("%s %s total: %d starts, %.1f starts/s, p50 %.0f ms, p99 %.0f ms, all ended after %.1f s"
                      % (db, path, n, summary[path][0], summary[path][1] * 1000, summary[path][2] * 1000,
                         summary[path][3]), flush=True)
            print("%s ratio ours/engine starts/s: %.2f" % (db, summary["ours"][0] / summary["engine"][0]),
                  flush=True)
        finally:
            if platform:
                platform.stop()
            if db == "postgres":
                subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc",
                                "DROP DATABASE IF EXISTS " + dbname])
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
