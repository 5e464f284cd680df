#!/bin/sh
# The plain deploy script bench/overhead.py measures the platform against: the same commands as the deploy runbook,
# as argument lists, nothing else (no backup, no approval, no rollback).
#   deploy-script.sh WORKDIR SHA DIR ECOSYSTEM APP HEALTH_URL [DIR ECOSYSTEM APP HEALTH_URL ...]
# DIR and ECOSYSTEM are relative to WORKDIR; PM2 is $PM2 (default pm2); each component's health URL is polled
# every 0.5 s after its reload, up to $HEALTH_TRIES times (default 120: 60 s). With $MARKS set, the script appends
# "<epoch seconds> reload <app>" to that file before each reload (for the benchmarks' clocks; nothing else changes).
set -eu
# npm as the platform runs it (npm/NpmClient): no audit or fund requests to the registry, no update check
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
workdir=$1 sha=$2
shift 2
pm2=${PM2:-pm2}
cd "$workdir"
git fetch --quiet origin
git checkout --quiet --detach "$sha"
while [ $# -ge 4 ]; do
  dir=$1 ecosystem=$2 app=$3 url=$4
  shift 4
  (cd "$dir" && npm ci >/dev/null && npm run build >/dev/null)
  if [ -n "${MARKS:-}" ]; then echo "$(date +%s.%N) reload $app" >>"$MARKS"; fi
  "$pm2" startOrReload "$ecosystem" --only "$app" --update-env >/dev/null
  i=0
  until curl -fs -o /dev/null --max-time 2 "$url"; do
    i=$((i + 1))
    if [ "$i" -ge "${HEALTH_TRIES:-120}" ]; then echo "$app not healthy at $url" >&2; exit 1; fi
    sleep 0.5
  done
done
