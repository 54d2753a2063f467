#!/usr/bin/env bash
# Benchmarks of `pgbk receive-wal` (docs/benchmarks.md, section "WAL receiver"):
#  1. follow: time from writing a new leader key in etcd to pgbk streaming from the new primary
#     (two PostgreSQL nodes, the standby promoted first, the key written by this script, as
#     Patroni does; then the old primary is rebuilt as a standby of the new one and it goes the
#     other way), ROUNDS times;
#  2. lag: pgbench -c 8 for LAG_SECONDS, sampling each second pg_stat_replication's write and
#     flush lag in bytes for application_name pgbk (asynchronous mode, 16 MiB segments);
#     the receiver's peak RSS (VmHWM) is read at the end;
#  3. latency: pgbench -c 4 -T LATENCY_SECONDS with pg_receivewal --synchronous as the synchronous
#     standby, then pgbk --synchronous in its place (same application_name), LATENCY_ROUNDS times.
# Run as root from the source tree after `mvn -pl cli -am package` (uses a copy of cli/target/pgbk.jar).
# Usage: bench/receiver.sh [follow|lag|latency|all]
set -euo pipefail

what=${1:-all}
ROUNDS=${ROUNDS:-5}
LAG_SECONDS=${LAG_SECONDS:-60}
LATENCY_SECONDS=${LATENCY_SECONDS:-30}
LATENCY_ROUNDS=${LATENCY_ROUNDS:-2}
JAVA_OPTS=${JAVA_OPTS:-}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
[[ -x $bin/pg_ctl ]] || bin=/usr/lib/postgresql/15/bin
work=$(mktemp -d /tmp/pgbk-bench-receiver-XXXXXX)
chown postgres "$work"
cp "$here/cli/target/pgbk.jar" "$work/pgbk.jar"
pids=()

as_pg() { runuser -u postgres -- "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
psql_at() { as_pg "$bin/psql" -X -q -A -t -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"; }

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for d in "$work"/pg*; do
        [[ -f $d/postmaster.pid ]] && as_pg "$bin/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
    done
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT

# node NAME PORT [extra postgresql.conf lines]
init_node() {
    local dir=$work/$1 port=$2
    as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust --no-sync --no-instructions >/dev/null
    cat >>"$dir/postgresql.conf" <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = '256MB'
shared_buffers = '128MB'
CONF
    echo "host replication all 127.0.0.1/32 trust" >>"$dir/pg_hba.conf"
    shift 2
    for line in "$@"; do echo "$line" >>"$dir/postgresql.conf"; done
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir.log" -w start >/dev/null
}

standby_of() { # NAME PORT PRIMARY_PORT
    local dir=$work/$1
    rm -rf "$dir"
    as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$3" -U postgres -D "$dir" -X stream -c fast -R --no-sync
    sed -i "s/^port = .*/port = $2/" "$dir/postgresql.conf"
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir.log" -w start >/dev/null
}

receiver() { # LOG ARGS...: starts pgbk receive-wal in the background, sets receiver_pid
    local log=$1; shift
    java $JAVA_OPTS -jar "$work/pgbk.jar" --config "$work/pgbk.yaml" receive-wal "$@" 2>"$log" &
    receiver_pid=$!
    pids+=("$receiver_pid")
}

await_streaming() { # PORT APPNAME TIMEOUT_S
    local deadline=$(( $(date +%s) + $3 ))
    until [[ $(psql_at "$1" "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$2' AND state = 'streaming'" 2>/dev/null) == 1 ]]; do
        (( $(date +%s) < deadline )) || { echo "timed out waiting for $2 to stream from port $1" >&2; return 1; }
        sleep 0.02
    done
}

bench_follow() {
    local etcd_client etcd_peer p1 p2
    etcd_client=$(free_port); etcd_peer=$(free_port); p1=$(free_port); p2=$(free_port)
    etcd --name bench --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$etcd_client" \
        --advertise-client-urls "http://127.0.0.1:$etcd_client" --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
        --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
        --initial-cluster "bench=http://127.0.0.1:$etcd_peer" >"$work/etcd.log" 2>&1 &
    pids+=($!)
    export ETCDCTL_API=3
    local ctl="etcdctl --endpoints=http://127.0.0.1:$etcd_client"
    until $ctl endpoint health >/dev/null 2>&1; do sleep 0.1; done
    init_node pg1 "$p1"
    standby_of pg2 "$p2" "$p1"
    for n in 1 2; do
        local port; port=$([[ $n == 1 ]] && echo "$p1" || echo "$p2")
        $ctl put /service/bench/members/pg$n "{\"conn_url\":\"postgres://127.0.0.1:$port/postgres?user=postgres\",\"role\":\"replica\",\"timeline\":1}" >/dev/null
    done
    $ctl put /service/bench/leader pg1 >/dev/null
    printf 'repo: %s\ncluster: bench\nspool-path: %s\nstatus-interval: 10\n' "$work/repo" "$work/spool" >"$work/pgbk.yaml"
    receiver "$work/follow.log" --primary-from "etcd://127.0.0.1:$etcd_client/service/bench"
    await_streaming "$p1" pgbk 60
    local old=pg1 new=pg2 old_port=$p1 new_port=$p2
    psql_at "$p1" "CREATE TABLE t (x int)" >/dev/null
    for round in $(seq 1 "$ROUNDS"); do
        psql_at "$old_port" "INSERT INTO t VALUES ($round)" >/dev/null
        as_pg "$bin/pg_ctl" -D "$work/$new" -w promote >/dev/null
        local start end
        start=$(now)
        $ctl put /service/bench/leader $new >/dev/null
        await_streaming "$new_port" pgbk 60
        end=$(now)
        echo "follow round $round: $old -> $new: $(python3 -c "print(f'{($end - $start) * 1000:.0f}')") ms from the leader key to streaming"
        as_pg "$bin/pg_ctl" -D "$work/$old" -m fast -w stop >/dev/null
        standby_of "$old" "$old_port" "$new_port" 2>/dev/null
        local t=$old; old=$new; new=$t; t=$old_port; old_port=$new_port; new_port=$t
    done
    kill "$receiver_pid"; wait "$receiver_pid" || true
}

bench_lag() {
    local p; p=$(free_port)
    init_node lag "$p"
    printf 'repo: %s\ncluster: lag\nspool-path: %s\nstatus-interval: 1\n' "$work/repo-lag" "$work/spool-lag" >"$work/pgbk.yaml"
    receiver "$work/lag.log" --db "host=127.0.0.1 port=$p user=postgres"
    await_streaming "$p" pgbk 60
    as_pg "$bin/pgbench" -h 127.0.0.1 -p "$p" -U postgres -i -s 10 -q postgres >/dev/null 2>&1
    # the lag under load, not the backlog of the init's 160 MB of WAL: start once that is received
    await_received "$p" 120
    as_pg "$bin/pgbench" -h 127.0.0.1 -p "$p" -U postgres -c 8 -j 2 -T "$LAG_SECONDS" postgres >"$work/lag-pgbench.txt" 2>&1 &
    local bench=$!
    : >"$work/lag-samples.txt"
    while kill -0 "$bench" 2>/dev/null; do
        psql_at "$p" "SELECT pg_current_wal_lsn() - write_lsn, pg_current_wal_lsn() - flush_lsn FROM pg_stat_replication WHERE application_name = 'pgbk'" >>"$work/lag-samples.txt" || true
        sleep 1
    done
    wait "$bench" || true
    local hwm; hwm=$(awk '/VmHWM/ {print $2 " " $3}' /proc/"$receiver_pid"/status)
    grep -E 'tps|latency average' "$work/lag-pgbench.txt" | sed 's/^/lag pgbench: /'
    python3 - "$work/lag-samples.txt" <<'PY'
import sys, statistics
rows = [tuple(int(x) for x in l.split('|')) for l in open(sys.argv[1]) if '|' in l]
w = sorted(r[0] for r in rows); f = sorted(r[1] for r in rows)
p = lambda s, q: s[min(len(s) - 1, int(q * len(s)))]
mib = 1 << 20
print(f"lag samples: {len(rows)}; write lag median {statistics.median(w)/mib:.2f} MiB, p95 {p(w,.95)/mib:.2f}, max {max(w)/mib:.2f}; "
      f"flush lag median {statistics.median(f)/mib:.2f} MiB, p95 {p(f,.95)/mib:.2f}, max {max(f)/mib:.2f} (segment: 16 MiB)")
PY
    echo "receiver peak RSS (VmHWM): $hwm"
    kill "$receiver_pid"; wait "$receiver_pid" || true
    as_pg "$bin/pg_ctl" -D "$work/lag" -m fast -w stop >/dev/null
}

# One synchronous standby at a time, named pgbk: pgbk receive-wal --synchronous or pg_receivewal
# --synchronous. The init's checkpoint and writeback are done before the first run, the two
# alternate (LATENCY_ROUNDS times each), and each catches up with the WAL written while the other
# ran (pgbk's slot keeps it) before its run, so that neither pays for the other's backlog or disk state.
latency_pgbk() { # PORT
    receiver "$work/lat.log" --db "host=127.0.0.1 port=$1 user=postgres" --synchronous
    await_streaming "$1" pgbk 60
    await_caught_up "$1" 120
    latency_run "$1" "pgbk --synchronous"
    kill "$receiver_pid"; wait "$receiver_pid" || true
}

latency_pg_receivewal() { # PORT
    mkdir -p "$work/receivewal"; chown postgres "$work/receivewal"
    as_pg "$bin/pg_receivewal" -D "$work/receivewal" --synchronous --no-loop \
        -d "host=127.0.0.1 port=$1 user=postgres application_name=pgbk" 2>>"$work/pg_receivewal.log" &
    local rw=$!
    pids+=("$rw")
    await_streaming "$1" pgbk 60
    await_caught_up "$1" 120
    latency_run "$1" "pg_receivewal --synchronous"
    # a background job ignores SIGINT and runuser stands between: end it from the server (--no-loop)
    psql_at "$1" "SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = 'pgbk'" >/dev/null
    wait "$rw" || true
}

await_received() { # PORT TIMEOUT_S: the standby named pgbk has received all WAL there is (asynchronous: flush trails)
    local deadline=$(( $(date +%s) + $2 ))
    until [[ $(psql_at "$1" "SELECT write_lsn >= pg_current_wal_lsn() FROM pg_stat_replication WHERE application_name = 'pgbk'" 2>/dev/null) == t ]]; do
        (( $(date +%s) < deadline )) || { echo "timed out waiting for pgbk to receive all WAL on port $1" >&2; return 1; }
        sleep 0.1
    done
}

await_caught_up() { # PORT TIMEOUT_S: the standby named pgbk has flushed all WAL there is (no load runs now)
    local deadline=$(( $(date +%s) + $2 ))
    until [[ $(psql_at "$1" "SELECT flush_lsn >= pg_current_wal_lsn() FROM pg_stat_replication WHERE application_name = 'pgbk'" 2>/dev/null) == t ]]; do
        (( $(date +%s) < deadline )) || { echo "timed out waiting for pgbk to catch up on port $1" >&2; return 1; }
        sleep 0.1
    done
}

latency_run() { # PORT LABEL
    as_pg "$bin/pgbench" -h 127.0.0.1 -p "$1" -U postgres -c 4 -j 2 -T "$LATENCY_SECONDS" postgres 2>&1 \
        | grep -E 'latency average|tps' | sed "s/^/latency $2: /"
    echo "latency $2: load $(cut -d' ' -f1-3 /proc/loadavg)"
}

bench_latency() {
    local p; p=$(free_port)
    init_node lat "$p" "synchronous_standby_names = 'pgbk'" "synchronous_commit = on"
    printf 'repo: %s\ncluster: lat\nspool-path: %s\nstatus-interval: 10\n' "$work/repo-lat" "$work/spool-lat" >"$work/pgbk.yaml"
    receiver "$work/lat-init.log" --db "host=127.0.0.1 port=$p user=postgres" --synchronous
    await_streaming "$p" pgbk 60
    as_pg "$bin/pgbench" -h 127.0.0.1 -p "$p" -U postgres -i -s 10 -q postgres >/dev/null 2>&1
    psql_at "$p" "CHECKPOINT" >/dev/null
    sync
    kill "$receiver_pid"; wait "$receiver_pid" || true
    for round in $(seq 1 "$LATENCY_ROUNDS"); do
        latency_pg_receivewal "$p"
        latency_pgbk "$p"
    done
    as_pg "$bin/pg_ctl" -D "$work/lat" -m fast -w stop >/dev/null
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, JAVA_OPTS='$JAVA_OPTS'"
case $what in
    follow) bench_follow ;;
    lag) bench_lag ;;
    latency) bench_latency ;;
    all) bench_follow; bench_lag; bench_latency ;;
    *) echo "usage: $0 [follow|lag|latency|all]" >&2; exit 2 ;;
esac
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
