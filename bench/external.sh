#!/usr/bin/env bash
# ./herald bench-external: Herald measured the way issue 15 measured it, with load and receiver outside
# the JVM. wrk publishes (32 connections, {"type","data"} events of about 250 bytes), nginx is the receiver
# that answers 200 at once, and Herald is `./herald serve` on a fresh embedded SQLite data dir, started by
# the launcher with its defaults (durable commits, its start-up cache). Per mode, on a fresh data dir:
#   raw     wrk -> nginx alone: the machine's plain-HTTP rate (the issue's reference: ~56,000/s)
#   cold    from the launch: /healthz time, then wrk until --cold-seconds after the launch; deliveries
#           counted at the end of that window (attempts started, from Herald's /metrics)
#   1:1     one webhook subscribed to *, --warmup rounds then --rounds measured rounds of --seconds each:
#           events/s accepted (wrk), and deliveries/s end to end (from the round's first publish until
#           every accepted event's attempt has started)
#   nomatch the webhook subscribes to nomatch.*: ingest alone
#   fanout  --fanout webhooks (default 10) subscribed to *, each on a port of its own of the same nginx
#           (an HTTP client keeps its connections per host and port, as it would for N receivers):
#           rounds as for 1:1, deliveries/s end to end = attempts started for every webhook of every event
# Needs wrk and nginx (Debian packages wrk, nginx-light; installed here when missing and we are root).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

rounds=5 seconds=15 warmup=2 cold_seconds=15 modes="cold,raw,1:1,nomatch" connections=32 fanout=10
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --cold-seconds) cold_seconds="$2"; shift 2 ;;
    --modes) modes="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --fanout) fanout="$2"; shift 2 ;;
    -h|--help)
      sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      echo "Options: --modes raw,cold,1:1,nomatch,fanout  --rounds 5  --seconds 15  --warmup 2 (rounds)  --cold-seconds 15  --connections 32  --fanout 10"
      exit 0 ;;
    *) echo "bench-external: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

case "$fanout" in ''|*[!0-9]*|0) echo "bench-external: --fanout is a number of webhooks, at least 1" >&2; exit 2 ;; esac

need() {
  command -v wrk >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench-external: installing wrk and nginx-light (Debian packages)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk nginx-light >/dev/null
    # The package starts nginx on port 80; this benchmark runs its own.
    service nginx stop >/dev/null 2>&1 || true
  fi
  command -v wrk >/dev/null 2>&1 && command -v nginx >/dev/null 2>&1 && return 0
  echo "bench-external: needs wrk and nginx (apt-get install wrk nginx-light)" >&2
  exit 1
}
need

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{v[NR]=$1} END{if (NR==0) print "n/a"; else if (NR%2) print v[(NR+1)/2]; else printf "%.0f\n", (v[NR/2]+v[NR/2+1])/2}'; }

work="$(mktemp -d /tmp/herald-bench-external.XXXXXX)"
nginx_port="$(free_port)"
# The fan-out mode's webhooks: one port each (the first is the one every other mode uses); the other modes
# need only that one.
nginx_ports="$nginx_port"
case ",$modes," in *,fanout,*) for _ in $(seq 2 "$fanout"); do nginx_ports="$nginx_ports $(free_port)"; done ;; esac
herald_port="$(free_port)"
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && nginx -c "$work/nginx.conf" -p "$work" -s stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cat > "$work/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/body;
  server {
$(for p in $nginx_ports; do echo "    listen 127.0.0.1:$p;"; done)
    location / { return 200 "ok\n"; }
  }
}
EOF
nginx -c "$work/nginx.conf" -p "$work"

pad="$(printf 'x%.0s' $(seq 1 200))"
cat > "$work/raw.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"id":"01a2274c-ac1b-737a-8357-6c823872f15d","type":"order.created","created_at":"2026-11-29T12:00:00Z","data":{"seq":1,"pad":"$pad"}}'
EOF

run_wrk() { # seconds script url -> prints requests/s; fails on errors or non-2xx answers
  local out
  out="$(wrk -t2 -c"$connections" -d"${1}s" -s "$2" "$3" 2>&1)"
  if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "bench-external: wrk saw errors:" >&2; echo "$out" >&2; exit 1; fi
  awk '/Requests\/sec/ {printf "%.0f\n", $2}' <<<"$out"
}

metrics() { # prints "accepted started" from Herald's /metrics
  curl -s "http://127.0.0.1:$herald_port/metrics" | awk '/^herald_attempts_started_total/ {s+=$2} /^herald_events_accepted_total/ {a=$2} END {printf "%d %d\n", a, s}'
}

start_herald() { # mode -> launches ./herald serve on a fresh data dir; sets launch, healthz_ms, key
  local data="$work/data-$1"
  key="$("$root/herald" admin create-project bench --data-dir "$data" 2>"$work/admin-$1.log" | grep -o '"api_key":"[^"]*"' | cut -d'"' -f4)"
  [ -n "$key" ] || { echo "bench-external: admin create-project failed" >&2; exit 1; }
  launch="$(now)"
  # Only the settings the benchmark needs: the shell's own HERALD_* and SECURITY_* variables are left out.
  # shellcheck disable=SC2046
  env $(compgen -e | grep -E '^(HERALD_|SECURITY_|NOTIFICATION_)' | sed 's/^/-u /') \
    HERALD_LOG_LEVEL=WARN SECURITY_OUTBOUND_ALLOW_HTTP=true SECURITY_OUTBOUND_ALLOW_PRIVATE_NETWORKS=true \
    "$root/herald" serve --data-dir "$data" --port "$herald_port" --host 127.0.0.1 > "$work/serve-$1.log" 2>&1 &
  serve_pid=$!
  # One poller process (a curl per try would take CPU from the starting JVM): /healthz every 10 ms.
  healthz_ms="$(python3 - "$herald_port" "$launch" "$serve_pid" <<'PY'
import http.client, os, sys, time
port, launch, pid = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
while True:
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", "/healthz")
        if c.getresponse().status == 200:
            print(int((time.time() - launch) * 1000))
            break
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        print("exited")
        break
    time.sleep(0.01)
PY
)"
  if [ "$healthz_ms" = exited ]; then echo "bench-external: herald serve exited:" >&2; tail -20 "$work/serve-$1.log" >&2; exit 1; fi
  cat > "$work/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
wrk.body = '{"type":"order.created","data":{"seq":1,"pad":"$pad"}}'
EOF
}

webhook() { # events pattern [nginx port]
  curl -sf -o /dev/null -X POST -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d "{\"url\":\"http://127.0.0.1:${2:-$nginx_port}/hook\",\"events\":[\"$1\"]}" "http://127.0.0.1:$herald_port/api/v1/webhooks" \
    || { echo "bench-external: creating the webhook failed" >&2; exit 1; }
}

stop_herald() {
  kill "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=""
}

round() { # [nomatch|fanout] -> prints "events/s deliveries/s" for one round of $seconds
  local a0 s0 a s t0 t1 rate per=1
  [ "${1:-}" = fanout ] && per="$fanout"
  read -r a0 s0 < <(metrics)
  t0="$(now)"
  rate="$(run_wrk "$seconds" "$work/post.lua" "http://127.0.0.1:$herald_port/api/v1/events")"
  if [ "${1:-}" = nomatch ]; then echo "$rate 0"; return; fi
  while :; do
    read -r a s < <(metrics)
    [ $((s - s0)) -ge $(((a - a0) * per)) ] && break
    sleep 0.02
  done
  t1="$(now)"
  echo "$rate $(echo "($s - $s0) / ($t1 - $t0)" | bc)"
}

echo "bench-external: wrk -c$connections, nginx on :$nginx_port, ./herald serve on :$herald_port; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
IFS=',' read -r -a mode_list <<<"$modes"
for mode in "${mode_list[@]}"; do
  case "$mode" in
    raw)
      run_wrk 3 "$work/raw.lua" "http://127.0.0.1:$nginx_port/hook" >/dev/null
      rates=""
      for r in $(seq 1 "$rounds"); do rates="$rates $(run_wrk "$seconds" "$work/raw.lua" "http://127.0.0.1:$nginx_port/hook")"; done
      echo "raw     wrk -> nginx: requests/s $rates; median $(median <<<"$rates")"
      ;;
    cold)
      start_herald cold
      webhook '*'
      left="$(echo "$cold_seconds - ($(now) - $launch)" | bc)"
      first="$(echo "$(now) - $launch" | bc)"
      # wrk takes whole seconds: the window is what it ran, read off the clock, not --cold-seconds itself.
      run_wrk "$(printf '%.0f' "$left")" "$work/post.lua" "http://127.0.0.1:$herald_port/api/v1/events" >/dev/null
      read -r a s < <(metrics)
      end="$(echo "$(now) - $launch" | bc)"
      echo "cold    /healthz after $healthz_ms ms; first publish at $(printf '%.2f' "$first") s; first $(printf '%.1f' "$end") s: $a events accepted, $s deliveries = $(echo "$s / ($end - $first)" | bc)/s from the first publish, $(echo "$s / $end" | bc)/s from the launch"
      stop_herald
      ;;
    1:1|nomatch|fanout)
      start_herald "${mode/:/-}"
      if [ "$mode" = nomatch ]; then webhook 'nomatch.*'; elif [ "$mode" = fanout ]; then for p in $nginx_ports; do webhook '*' "$p"; done; else webhook '*'; fi
      for w in $(seq 1 "$warmup"); do round "$mode" >/dev/null; done
      ev="" dl=""
      for r in $(seq 1 "$rounds"); do
        read -r e d < <(round "$mode")
        ev="$ev $e" dl="$dl $d"
      done
      if [ "$mode" = nomatch ]; then
        echo "nomatch events/s accepted:$ev; median $(median <<<"$ev")"
      elif [ "$mode" = fanout ]; then
        echo "fanout  $fanout webhooks: events/s accepted:$ev; median $(median <<<"$ev")"
        echo "fanout  deliveries/s end to end:$dl; median $(median <<<"$dl")"
      else
        echo "1:1     events/s accepted:$ev; median $(median <<<"$ev")"
        echo "1:1     deliveries/s end to end:$dl; median $(median <<<"$dl")"
      fi
      stop_herald
      ;;
    *) echo "bench-external: unknown mode $mode" >&2; exit 2 ;;
  esac
done
