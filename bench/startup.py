#!/usr/bin/env python3
"""Start-up and memory: the platform against a bare app with the same starters (bench/bare, no BPMN, no runbook code).

Time to ready: from process start to the first 200 of /actuator/health (polled every 50 ms). Memory: VmRSS of the
JVM from /proc/<pid>/status 10 s after ready. Same JVM flags (-Xmx512m), H2 file database in a fresh data dir each
start, alternated, medians of --runs (default 5). Usage:

    mvn -B -q -o package -DskipTests && mvn -B -q -f bench/bare/pom.xml package -DskipTests
    python3 bench/startup.py [--runs 5]
"""
import argparse, glob, os, shutil, signal, statistics, subprocess, sys, tempfile, time

from common import ROOT, USERS, free_port, http_status, jar, machine

BARE = os.path.join(ROOT, "bench", "bare", "target")


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS")


def measure(side, flags):
    work = tempfile.mkdtemp(prefix="runbook-bench-startup-")
    port = free_port()
    if side == "platform":
        args = ["java"] + flags + ["-jar", jar(), "--server.port=%d" % port,
                                   "--runbook.data-dir=%s/data" % work] + USERS
    else:
        bare = sorted(glob.glob(os.path.join(BARE, "bare-app-*.jar")))[-1]
        args = ["java"] + flags + ["-jar", bare, "--server.port=%d" % port, "--server.address=127.0.0.1",
                                   "--spring.datasource.url=jdbc:h2:file:%s/data/db/bare" % work]
    start = time.monotonic()
    proc = subprocess.Popen(args, cwd=work, stdout=open(os.path.join(work, "out.log"), "w"), stderr=subprocess.STDOUT)
    try:
        while http_status("http://127.0.0.1:%d/actuator/health" % port, timeout=1) != 200:
            if proc.poll() is not None or time.monotonic() - start > 300:
                raise RuntimeError("%s did not start, see %s/out.log" % (side, work))
            time.sleep(0.05)
        ready = time.monotonic() - start
        time.sleep(10)
        return ready, rss_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jvm", default="-Xmx512m")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    print(machine(), flush=True)
    flags = args.jvm.split()
    results = {"platform": [], "bare": []}
    for i in range(args.runs):
        for side in (("platform", "bare") if i % 2 == 0 else ("bare", "platform")):
            ready, rss = measure(side, flags)
            results[side].append((ready, rss))
            print("run %d %s: ready %.2f s, RSS %.0f MiB, load %s" % (
                i + 1, side, ready, rss, open("/proc/loadavg").read().split()[0]), flush=True)
    med = {s: (statistics.median(r for r, _ in v), statistics.median(m for _, m in v)) for s, v in results.items()}
    for side, (ready, rss) in med.items():
        print("%s median: ready %.2f s, RSS %.0f MiB" % (side, ready, rss))
    print("ratio platform/bare: ready %.2f, RSS %.2f" % (med["platform"][0] / med["bare"][0],
                                                        med["platform"][1] / med["bare"][1]))


if __name__ == "__main__":
    sys.exit(main())
