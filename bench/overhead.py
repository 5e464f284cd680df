#!/usr/bin/env python3
"""Overhead: a deploy runbook (approval off) against a plain shell script running the same commands.

Side A, the platform: POST /api/targets/<t>/deployments, timed from the POST to the run's endedAt (polled every
--poll seconds, default 0.5); the sum of the run's step durations and each step's median duration and the gap before
it (job acquisition) are reported too, and the platform JVM's CPU time per deploy.
Side B, bench/deploy-script.sh: git fetch, git checkout --detach <sha>, npm ci, npm run build,
pm2 startOrReload <ecosystem> --only <app> --update-env, curl health loop; wall time.

The platform builds each release in <name>-root/releases/<id>/ from its own mirror of the origin (the target's
remote is the origin's path) and switches `current`; the script works in one in-place clone, as the users' servers
do today. Each side has its own PM2 daemon. Two targets:
  small      the demo fixture (as dev.runbook.demo.DemoRepository writes it: no dependencies, node build.js)
  realistic  a NestJS backend (tsc build) + a Vite frontend (vite build, served by vite preview under PM2), with
             dependencies from the npm registry (generated here, not committed); two components.
Deploys alternate v1/v2 on both sides, the side that goes first alternates too; medians of --runs (default 5).
Usage:

    mvn -B -q -o package -DskipTests && python3 bench/overhead.py [--runs 5] [--targets small,realistic]
"""
import argparse, json, os, signal, shutil, statistics, subprocess, sys, tempfile, time

from common import GIT_ENV, PM2, Platform, free_port, machine, print_step_medians, run, step_times, ts, write

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "deploy-script.sh")

SMALL_MAIN = """const http = require('http');
const version = '%s';
const port = Number(process.env.PORT || 3000);
http.createServer((req, res) => {
  if (req.url === '/api/health') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', version }));
  } else {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('demo shop ' + version + '\\n');
  }
}).listen(port, '127.0.0.1', () => console.log('demo shop ' + version + ' listening on ' + port));
"""
SMALL_BUILD = """const fs = require('fs');
fs.mkdirSync('dist', { recursive: true });
fs.copyFileSync('src/main.js', 'dist/main.js');
console.log('built %s into dist/');
"""


def small_files(root, version):
    write(os.path.join(root, "backend/build.js"), SMALL_BUILD % version)
    write(os.path.join(root, "backend/src/main.js"), SMALL_MAIN % version)


def small_repo(src):
    write(os.path.join(src, ".gitignore"), "node_modules/\ndist/\nlogs/\n")
    write(os.path.join(src, "backend/package.json"), json.dumps({
        "name": "demo-backend", "version": "1.0.0", "private": True, "scripts": {"build": "node build.js"}},
        indent=2))
    write(os.path.join(src, "backend/package-lock.json"), json.dumps({
        "name": "demo-backend", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "demo-backend", "version": "1.0.0"}}}, indent=2))
    write(os.path.join(src, "backend/ecosystem.config.js"),
          "module.exports = { apps: [{ name: 'small-backend', script: 'dist/main.js', cwd: __dirname, "
          "instances: 1, exec_mode: 'fork', max_memory_restart: '200M', env: { NODE_ENV: 'production' } }] };\n")
    return small_files


NEST_MAIN = """import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(Number(process.env.BACKEND_PORT), '127.0.0.1');
}
bootstrap();
"""
NEST_MODULE = """import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

@Module({ controllers: [HealthController] })
export class AppModule {}
"""
NEST_CONTROLLER = """import { Controller, Get } from '@nestjs/common';

@Controller('api')
export class HealthController {
  @Get('health')
  health() {
    return { status: 'ok', version: '%s' };
  }
}
"""
VITE_MAIN = """document.querySelector('#app').textContent = 'shop frontend %s';
"""
# the version in the page's title too, so a poller of the frontend sees which release's build it serves
VITE_INDEX = ("<!doctype html>\n<html><head><title>shop %s</title></head>\n"
              "<body><div id=\"app\"></div><script type=\"module\" src=\"/src/main.js\"></script></body></html>\n")


def realistic_files(root, version):
    write(os.path.join(root, "backend/src/health.controller.ts"), NEST_CONTROLLER % version)
    write(os.path.join(root, "frontend/src/main.js"), VITE_MAIN % version)
    write(os.path.join(root, "frontend/index.html"), VITE_INDEX % version)


def realistic_repo(src):
    write(os.path.join(src, ".gitignore"), "node_modules/\ndist/\n")
    write(os.path.join(src, "backend/package.json"), json.dumps({
        "name": "shop-backend", "version": "1.0.0", "private": True,
        "scripts": {"build": "tsc -p tsconfig.json"},
        "dependencies": {"@nestjs/common": "10.4.15", "@nestjs/core": "10.4.15",
                         "@nestjs/platform-express": "10.4.15", "reflect-metadata": "0.2.2", "rxjs": "7.8.1"},
        "devDependencies": {"typescript": "5.6.3", "@types/node": "20.17.6"}}, indent=2))
    write(os.path.join(src, "backend/tsconfig.json"), json.dumps({"compilerOptions": {
        "module": "commonjs", "target": "es2021", "outDir": "dist", "rootDir": "src", "declaration": False,
        "experimentalDecorators": True, "emitDecoratorMetadata": True, "strict": True, "skipLibCheck": True,
        "esModuleInterop": True}, "include": ["src"]}, indent=2))
    write(os.path.join(src, "backend/ecosystem.config.js"),
          "module.exports = { apps: [{ name: 'shop-backend', script: 'dist/main.js', cwd: __dirname }] };\n")
    write(os.path.join(src, "backend/src/main.ts"), NEST_MAIN)
    write(os.path.join(src, "backend/src/app.module.ts"), NEST_MODULE)
    write(os.path.join(src, "frontend/package.json"), json.dumps({
        "name": "shop-frontend", "version": "1.0.0", "private": True,
        "scripts": {"build": "vite build"}, "devDependencies": {"vite": "5.4.11"}}, indent=2))
    write(os.path.join(src, "frontend/ecosystem.config.js"),
          "module.exports = { apps: [{ name: 'shop-frontend', script: 'node_modules/vite/bin/vite.js', "
          "args: ['preview', '--host', '127.0.0.1', '--strictPort', '--port', process.env.FRONTEND_PORT], "
          "cwd: __dirname }] };\n")
    return realistic_files


def make_origin(work, name, make):
    src = os.path.join(work, name + "-src")
    os.makedirs(src)
    run(["git", "init", "-q", "--initial-branch=main"], src)
    files = make(src)
    files(src, "v1")
    for d in ("backend", "frontend"):
        if os.path.exists(os.path.join(src, d, "package.json")) and not os.path.exists(
                os.path.join(src, d, "package-lock.json")):
            run(["npm", "install", "--no-audit", "--no-fund", "--package-lock-only"], os.path.join(src, d),
                env=os.environ)
    run(["git", "add", "-A"], src)
    run(["git", "commit", "-q", "-m", "v1"], src)
    run(["git", "tag", "v1"], src)
    files(src, "v2")
    run(["git", "commit", "-qam", "v2"], src)
    run(["git", "tag", "v2"], src)
    origin = os.path.join(work, name + "-origin.git")
    run(["git", "clone", "-q", "--bare", src, origin], work)
    shas = {v: subprocess.check_output(["git", "rev-parse", v], cwd=src, text=True).strip() for v in ("v1", "v2")}
    return origin, shas


class Target:
    def __init__(self, work, name, make):
        self.name = name
        self.origin, self.shas = make_origin(work, name, make)
        # the platform's side: the release layout under root (releases/, current, its own mirror of the origin);
        # the script's side: one in-place checkout b, as the users' servers run today
        self.root, self.b = os.path.join(work, name + "-root"), os.path.join(work, name + "-b")
        run(["git", "clone", "-q", self.origin, self.b], work)
        self.ports_a = {"BACKEND_PORT": free_port(), "FRONTEND_PORT": free_port(), "PORT": free_port()}
        self.ports_b = {"BACKEND_PORT": free_port(), "FRONTEND_PORT": free_port(), "PORT": free_port()}
        if name == "small":
            self.components = [("backend", "backend/ecosystem.config.js", "small-backend", "PORT", "/api/health")]
        else:
            self.components = [("backend", "backend/ecosystem.config.js", "shop-backend", "BACKEND_PORT",
                                "/api/health"),
                               ("frontend", "frontend/ecosystem.config.js", "shop-frontend", "FRONTEND_PORT", "/")]

    def properties(self, interval):
        p = "--runbook.targets.%s." % self.name
        props = [p + "remote=" + self.origin, p + "root=" + self.root, p + "approval.required=false"]
        if interval:
            props.append(p + "health.interval=" + interval)
        for key, value in self.ports_a.items():
            props.append(p + "env.%s=%d" % (key, value))
        for comp, eco, app, port_var, path in self.components:
            c = p + "components.%s." % comp
            props += [c + "dir=" + comp, c + "ecosystem=" + eco, c + "pm2-app=" + app,
                      c + "health-url=http://127.0.0.1:%d%s" % (self.ports_a[port_var], path)]
            if comp == "frontend":
                # the frontend calls the backend: reloaded only once the backend answers
                props.append(c + "depends-on=backend")
        return props

    def script(self, version, env):
        argv = [SCRIPT, self.b, self.shas[version]]
        for comp, eco, app, port_var, path in self.components:
            argv += [comp, eco, app, "http://127.0.0.1:%d%s" % (self.ports_b[port_var], path)]
        start = time.monotonic()
        subprocess.run(argv, env=dict(env, **{k: str(v) for k, v in self.ports_b.items()}), check=True)
        return time.monotonic() - start


def cpu_seconds(pid):
    """User + system CPU time of a process so far, seconds (/proc/<pid>/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def platform_deploy(platform, target, version, poll):
    """POST to the run's own endedAt (server clock = this machine's clock), so polling adds no waiting; polling every
    `poll` seconds (each poll is an authenticated API call, CPU the deploy competes with on 2 cores)."""
    cpu = cpu_seconds(platform.proc.pid)
    start = time.time()
    run_id = platform.call("POST", "/api/targets/%s/deployments" % target.name, {"gitRef": version})["runId"]
    r = platform.await_end(run_id, poll=poll)
    wall = ts(r["endedAt"]) - start
    CPU.append(cpu_seconds(platform.proc.pid) - cpu)
    assert r["outcome"] == "DEPLOYED", r
    steps = sum(ts(s["endedAt"]) - ts(s["startedAt"]) for s in r["steps"] if s.get("startedAt") and s.get("endedAt"))
    return wall, steps, step_times(r)


CPU = []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--targets", default="small,realistic")
    parser.add_argument("--health-interval", default="PT0.5S",
                        help="platform health.interval (the script polls every 0.5 s)")
    parser.add_argument("--poll", type=float, default=0.5,
                        help="seconds between GET /api/runs/<id> while a deploy runs (until 2026-11-29: 0.05)")
    parser.add_argument("--stability-window", default=None,
                        help="platform health.stability-window (default: the platform's default)")
    parser.add_argument("--warmup", type=int, default=3,
                        help="platform deploys per target before the measured runs (the first installs and starts the "
                             "apps; the others let the JIT compile the hot paths, as in a platform that runs for days; "
                             "until 2026-11-29: 1)")
    parser.add_argument("--jvm", default="", help="JVM flags of the platform, e.g. -XX:TieredStopAtLevel=1")
    args = parser.parse_args()
    print(machine(), "platform JVM flags: %s" % (args.jvm or "none"), "warm-up deploys: %d" % args.warmup,
          flush=True)
    work = tempfile.mkdtemp(prefix="runbook-bench-overhead-")
    makers = {"small": small_repo, "realistic": realistic_repo}
    targets = [Target(work, name, makers[name]) for name in args.targets.split(",")]
    env_a = dict(os.environ, PM2_HOME=os.path.join(work, "pm2-platform"))
    env_b = dict(os.environ, PM2_HOME=os.path.join(work, "pm2-script"), PM2=PM2)
    env_a.pop("NODE_ENV", None)
    env_b.pop("NODE_ENV", None)
    extra = [p for t in targets for p in t.properties(args.health_interval)]
    if args.stability_window:
        extra += ["--runbook.targets.%s.health.stability-window=%s" % (t.name, args.stability_window) for t in targets]
    platform = Platform(work, extra, env=env_a, jvm=args.jvm.split())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        for t in targets:
            for i in range(args.warmup):  # the first: first install, first PM2 start
                platform_deploy(platform, t, "v1" if (args.warmup - 1 - i) % 2 == 0 else "v2", args.poll)  # ends on v1
            t.script("v1", env_b)
            walls, sums, scripts, breakdowns = [], [], [], []
            for i in range(args.runs):
                version = "v2" if i % 2 == 0 else "v1"
                if i % 2 == 0:
                    w, s, d = platform_deploy(platform, t, version, args.poll)
                    b = t.script(version, env_b)
                else:
                    b = t.script(version, env_b)
                    w, s, d = platform_deploy(platform, t, version, args.poll)
                walls.append(w), sums.append(s), scripts.append(b), breakdowns.append(d)
                print("%s run %d (%s): platform %.2f s (steps %.2f s), script %.2f s, load %s" % (
                    t.name, i + 1, version, w, s, b, open("/proc/loadavg").read().split()[0]), flush=True)
            mw, ms, mb = statistics.median(walls), statistics.median(sums), statistics.median(scripts)
            print("%s median: platform %.2f s (steps %.2f s), script %.2f s, ratio %.2f (steps/script %.2f)" % (
                t.name, mw, ms, mb, mw / mb, ms / mb), flush=True)
            print_step_medians(t.name, breakdowns)
            print("%s: platform JVM CPU per deploy (median) %.2f s" % (t.name, statistics.median(CPU[-args.runs:])),
                  flush=True)
    finally:
        platform.stop()
        for env in (env_a, env_b):
            subprocess.run([PM2, "kill"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
