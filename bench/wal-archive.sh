#!/usr/bin/env bash
# WAL archiving benchmark: pgbk against `cp` and pgBackRest, for the two goals of
# docs/wal-archiving.md ("Asynchronous archiving and prefetching"):
#
#  1. Replay. One base backup and SEGMENTS segments of 16 MiB WAL (random bytea rows, which do
#     not compress, plus pgbench), then archive recovery of the whole WAL from four
#     restore_commands, each from a fresh copy of the backup, timed from `pg_ctl start` to the
#     end of recovery (the server leaves recovery when the archive has no next segment):
#       cp from a local directory (the floor) | pgbk wal-fetch, prefetch 0 (a JVM per segment)
#       | pgbk wal-fetch, prefetch PREFETCH | pgbackrest archive-get, archive-async.
#  2. Archiving. A fresh primary under `pgbench -c 4` (tpcb-like plus random bytea inserts) for
#     SECONDS seconds, once with archive_command = pgbk wal-push (archive-async) and once with
#     pgbackrest archive-push (archive-async); the backlog, the number of .ready files in
#     pg_wal/archive_status, is sampled every second.
#
# Both tools: local file-system repository, zstd level 1, JOBS parallel transfers (pgBackRest's
# process-max), the same queue depth for prefetching (archive-get-queue-max = PREFETCH segments).
#
# Needs: root (PostgreSQL runs as the user postgres), PostgreSQL 15 with pgcrypto
# (postgresql-15), pgbackrest (Debian package), pgbench, the built jar (mvn -q -B -DskipTests
# package -pl cli -am). Installs nothing. Everything happens in a scratch directory (removed
# at the end unless KEEP=1, which also keeps each replay's server log); results are printed as Markdown on stdout, progress on stderr.
#
# Usage: bench/wal-archive.sh   (environment: SEGMENTS=128 PREFETCH=32 JOBS=2 ROUNDS=2 SECONDS_LOAD=60)
set -euo pipefail

SEGMENTS=${SEGMENTS:-128}
PREFETCH=${PREFETCH:-32}
JOBS=${JOBS:-2}
ROUNDS=${ROUNDS:-2}
SLOW=${SLOW:-1}              # 0: skip the replay with a JVM per segment (minutes)
ARCHIVING=${ARCHIVING:-1}    # 0: skip part 2
SECONDS_LOAD=${SECONDS_LOAD:-60}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
ROOT=$(dirname "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")")
JAR=$ROOT/cli/target/pgbk.jar

[[ $(id -u) -eq 0 ]] || { echo "run as root (PostgreSQL runs as postgres)" >&2; exit 1; }
[[ -f $JAR ]] || { echo "$JAR is missing: mvn -q -B -DskipTests package -pl cli -am" >&2; exit 1; }
command -v pgbackrest > /dev/null || { echo "pgbackrest is missing (apt-get install pgbackrest)" >&2; exit 1; }

B=$(mktemp -d /tmp/pgbk-walbench-XXXXXX)
chmod 755 "$B" && chown postgres "$B"
PORT=$((20000 + RANDOM % 20000))
as_pg() { runuser -u postgres -- "$@"; }
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s.%N; }
psql_at() { as_pg "$PGBIN/psql" -X -h "$B" -p "$PORT" -d postgres -Atqc "$1"; }

# pgbk's background workers hold a lock file with their pid; pgBackRest's async processes exit by themselves.
stop_pgbk_workers() {
    local lock pid
    for lock in "$B"/*/archive/main/*.lock; do
        [[ -f $lock ]] || continue
        pid=$(< "$lock")
        [[ -n $pid ]] && kill "$pid" 2> /dev/null || true
    done
}
cleanup() {
    for data in "$B"/primary "$B"/replica "$B"/archiver; do
        [[ -f $data/postmaster.pid ]] && as_pg "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop > /dev/null 2>&1 || true
    done
    stop_pgbk_workers
    [[ ${KEEP:-0} == 1 ]] || rm -rf "$B"
}
trap cleanup EXIT

install -d -o postgres "$B"/pgbk/lib "$B"/wal "$B"/pgbk-repo "$B"/pgbr-repo "$B"/spool "$B"/pgbr-spool "$B"/pgbr-lock
install -d "$B"/pgbk/bin
cp "$ROOT"/bin/pgbk "$B"/pgbk/bin/ && cp "$JAR" "$B"/pgbk/lib/pgbk.jar && chown postgres "$B"/pgbk/lib/pgbk.jar
PGBK=$B/pgbk/bin/pgbk

start_cluster() { # data directory, extra postgresql.conf lines
    cat >> "$1/postgresql.conf" <<EOF
port = $PORT
unix_socket_directories = '$B'
listen_addresses = ''
max_wal_size = 4GB
shared_buffers = 512MB
$2
EOF
    as_pg "$PGBIN/pg_ctl" -D "$1" -l "$1.log" -w -t 600 start > /dev/null
}

pgbr_conf() { # file, pg1-path, repo, extra lines
    cat > "$1" <<EOF
[global]
repo1-path=$3
compress-type=zst
compress-level=1
process-max=$JOBS
archive-async=y
spool-path=$B/pgbr-spool
lock-path=$B/pgbr-lock
log-path=$B/pgbr-spool
log-level-console=warn
log-level-file=info
$4
[bench]
pg1-path=$2
pg1-port=$PORT
pg1-socket-path=$B
EOF
    chmod 644 "$1"
}

# ---------------------------------------------------------------- 1. replay
log "generating $SEGMENTS segments of WAL"
as_pg "$PGBIN/initdb" -D "$B/primary" -A trust -U postgres --no-instructions > /dev/null
pgbr_conf "$B/pgbr-gen.conf" "$B/primary" "$B/pgbr-repo" ""
start_cluster "$B/primary" "archive_mode = on
archive_command = 'cp %p $B/wal/%f && pgbackrest --config=$B/pgbr-gen.conf --stanza=bench --archive-async=n archive-push %p'"
as_pg pgbackrest --config="$B/pgbr-gen.conf" --stanza=bench stanza-create
psql_at "CREATE EXTENSION pgcrypto; CREATE TABLE r (id bigint, payload bytea); ALTER TABLE r ALTER payload SET STORAGE EXTERNAL"
as_pg "$PGBIN/pg_basebackup" -h "$B" -p "$PORT" -D "$B/base" -X stream -c fast
as_pg "$PGBIN/pgbench" -h "$B" -p "$PORT" -i -s 10 -q postgres > /dev/null 2>&1
start_lsn=$(psql_at "SELECT pg_current_wal_lsn()")
while (($(psql_at "SELECT ((pg_current_wal_lsn() - '$start_lsn') / 16777216)::bigint") < SEGMENTS)); do
    psql_at "INSERT INTO r SELECT g, gen_random_bytes(1024) FROM generate_series(1, 150000) g"
    as_pg "$PGBIN/pgbench" -h "$B" -p "$PORT" -c 2 -t 500 -n postgres > /dev/null 2>&1
done
last=$(psql_at "SELECT pg_walfile_name(pg_switch_wal())")
until [[ $(psql_at "SELECT last_archived_wal FROM pg_stat_archiver") > "$last" || $(psql_at "SELECT last_archived_wal FROM pg_stat_archiver") == "$last" ]]; do sleep 1; done
as_pg "$PGBIN/pg_ctl" -D "$B/primary" -m fast -w stop > /dev/null
segments=$(ls "$B/wal" | grep -c '^[0-9A-F]\{24\}$')
wal_bytes=$(du -sb "$B/wal" | cut -f1)

# The same segments into pgbk's repository, through one background pusher run on a copy of pg_wal.
log "archiving them into pgbk's repository"
cat > "$B/pgbk.yaml" <<EOF
repo: $B/pgbk-repo
spool-path: $B/spool
jobs: $JOBS
EOF
chmod 644 "$B/pgbk.yaml"
install -d -o postgres "$B/feed/pg_wal/archive_status" "$B/feed/global"
cp "$B/base/global/pg_control" "$B/feed/global/"
for f in "$B"/wal/[0-9A-F]*; do [[ ${f##*/} =~ ^[0-9A-F]{24}$ ]] || continue; ln "$f" "$B/feed/pg_wal/${f##*/}"; touch "$B/feed/pg_wal/archive_status/${f##*/}.ready"; done
chown -R postgres "$B/feed"
t0=$(now)
as_pg "$PGBK" --config "$B/pgbk.yaml" --quiet wal-push-async "$B/feed/pg_wal" &
pusher=$!
until (($(ls "$B/spool/archive/main/out" 2> /dev/null | grep -c '\.ok$' || true) >= segments)); do
    if grep -q . "$B"/spool/archive/main/out/*.error 2> /dev/null; then cat "$B"/spool/archive/main/out/*.error >&2; exit 1; fi
    sleep 0.2
done
bulk_push=$(echo "$(now) - $t0" | bc)
kill "$pusher" 2> /dev/null || true
wait "$pusher" 2> /dev/null || true
stop_pgbk_workers
rm -rf "$B/spool/archive"

replay() { # label, restore_command, pgbk config lines (or empty)
    rm -rf "$B/replica" "$B/spool/archive" "$B/pgbr-spool"/*
    cp -a "$B/base" "$B/replica"
    rm -f "$B/replica/postgresql.auto.conf"
    touch "$B/replica/recovery.signal" && chown -R postgres "$B/replica"
    local t0 t1
    t0=$(now)
    start_cluster "$B/replica" "archive_mode = off
restore_command = '$2'"
    until [[ $(psql_at "SELECT pg_is_in_recovery()" 2> /dev/null) == f ]]; do sleep 0.05; done
    t1=$(now)
    local replayed
    replayed=$(grep -c "restored log file \"[0-9A-F]\{24\}\"" "$B/replica.log" || true)
    # The steady part: from the first segment restored to the last, by the server's own log timestamps.
    local first last span rows
    first=$(grep -m 1 'restored log file "[0-9A-F]\{24\}"' "$B/replica.log" | cut -c 1-23)
    last=$(grep 'restored log file "[0-9A-F]\{24\}"' "$B/replica.log" | tail -n 1 | cut -c 1-23)
    span=$(echo "$(date -d "$last" +%s.%N) - $(date -d "$first" +%s.%N)" | bc)
    rows=$(psql_at "SELECT count(*) FROM r")
    as_pg "$PGBIN/pg_ctl" -D "$B/replica" -m immediate -w stop > /dev/null
    stop_pgbk_workers
    if [[ ${KEEP:-0} == 1 ]]; then
        mv "$B/replica.log" "$(mktemp "$B/replica-XXXXXX.log")"
    else
        rm -f "$B/replica.log"
    fi
    printf '%s\t%.1f\t%s\t%s\t%.1f\n' "$1" "$(echo "$t1 - $t0" | bc)" "$replayed" "$rows" "$span"
}

cat > "$B/pgbk-noprefetch.yaml" <<EOF
repo: $B/pgbk-repo
spool-path: $B/spool
prefetch: 0
EOF
chmod 644 "$B/pgbk-noprefetch.yaml"

# Warm the launcher once (it writes its class-data-sharing archive on the first run); without
# prefetch, so that no prefetcher outlives the warm-up into the first measured run.
as_pg "$PGBK" --config "$B/pgbk-noprefetch.yaml" --quiet wal-fetch "$last" "$B/spool/warm" 2> /dev/null || true
rm -f "$B/spool/warm"
cat > "$B/pgbk-prefetch.yaml" <<EOF
repo: $B/pgbk-repo
spool-path: $B/spool
prefetch: $PREFETCH
jobs: $JOBS
EOF
chmod 644 "$B"/pgbk-*.yaml
pgbr_conf "$B/pgbr-get.conf" "$B/replica" "$B/pgbr-repo" "archive-get-queue-max=$((PREFETCH * 16))MB"

# The fast ones ROUNDS times, interleaved, since other work on the machine moves single runs; the slow one once.
declare -A times=()
labels=("cp" "pgbk wal-fetch, prefetch $PREFETCH, jobs $JOBS" "pgbackrest archive-get, async, process-max $JOBS")
commands=("cp $B/wal/%f %p"
    "$PGBK --config $B/pgbk-prefetch.yaml --quiet wal-fetch %f %p"
    "pgbackrest --config=$B/pgbr-get.conf --stanza=bench archive-get %f \"%p\"")
results=()
for ((round = 1; round <= ROUNDS; round++)); do
    for i in 0 1 2; do
        log "replaying with ${labels[$i]} (round $round)"
        results+=("$(replay "${labels[$i]}" "${commands[$i]}")")
    done
done
if [[ $SLOW == 1 ]]; then
    log "replaying with pgbk, prefetch 0"
    results+=("$(replay "pgbk wal-fetch, prefetch 0" "$PGBK --config $B/pgbk-noprefetch.yaml --quiet wal-fetch %f %p")")
fi

# ---------------------------------------------------------------- 2. archiving under load
cat > "$B/random.sql" <<'EOF'
INSERT INTO r SELECT :client_id, gen_random_bytes(1024) FROM generate_series(1, 4);
EOF
chmod 644 "$B/random.sql"

archive_run() { # label, archive_command
    rm -rf "$B/archiver" "$B/archiver.log" "$B/spool/archive" "$B/pgbr-spool"/* "$B/pgbk-repo2" "$B/pgbr-repo2"
    install -d -o postgres "$B/pgbk-repo2" "$B/pgbr-repo2"
    as_pg "$PGBIN/initdb" -D "$B/archiver" -A trust -U postgres --no-instructions > /dev/null
    start_cluster "$B/archiver" "archive_mode = on
archive_command = '$2'"
    as_pg pgbackrest --config="$B/pgbr-push.conf" --stanza=bench stanza-create > /dev/null
    psql_at "CREATE EXTENSION pgcrypto; CREATE TABLE r (id bigint, payload bytea); ALTER TABLE r ALTER payload SET STORAGE EXTERNAL"
    as_pg "$PGBIN/pgbench" -h "$B" -p "$PORT" -i -s 20 -q postgres > /dev/null 2>&1
    psql_at "CHECKPOINT" > /dev/null
    local start_lsn samples=() n t0 drained
    start_lsn=$(psql_at "SELECT pg_current_wal_lsn()")
    as_pg "$PGBIN/pgbench" -h "$B" -p "$PORT" -c 4 -j 2 -T "$SECONDS_LOAD" -n -b tpcb-like@1 -f "$B/random.sql@1" postgres > "$B/pgbench.out" 2>&1 &
    local bench=$!
    while kill -0 "$bench" 2> /dev/null; do
        n=$(ls "$B/archiver/pg_wal/archive_status" | grep -c '\.ready$' || true)
        samples+=("$n")
        sleep 1
    done
    wait "$bench"
    local generated
    generated=$(psql_at "SELECT round((pg_current_wal_lsn() - '$start_lsn') / 16777216.0, 1)")
    t0=$(now)
    until [[ $(ls "$B/archiver/pg_wal/archive_status" | grep -c '\.ready$' || true) -eq 0 ]]; do sleep 0.2; done
    drained=$(echo "$(now) - $t0" | bc)
    local failed
    failed=$(psql_at "SELECT failed_count FROM pg_stat_archiver")
    as_pg "$PGBIN/pg_ctl" -D "$B/archiver" -m fast -w stop > /dev/null
    stop_pgbk_workers
    printf '%s\t%s\t%s\t%s\t%.1f\t%s\t%s\n' "$1" "$generated" \
        "$(printf '%s\n' "${samples[@]}" | sort -n | tail -1)" \
        "$(printf '%s\n' "${samples[@]}" | awk '{ s += $1 } END { printf "%.1f", s / NR }')" \
        "$drained" "$failed" "$(grep -o 'tps = [0-9.]*' "$B/pgbench.out" | head -1 | cut -d' ' -f3)"
}

cat > "$B/pgbk-push.yaml" <<EOF
repo: $B/pgbk-repo2
spool-path: $B/spool
archive-async: true
jobs: $JOBS
EOF
chmod 644 "$B/pgbk-push.yaml"
pgbr_conf "$B/pgbr-push.conf" "$B/archiver" "$B/pgbr-repo2" ""
if [[ $ARCHIVING == 1 ]]; then
    log "archiving under pgbench with pgbk"
    a_pgbk=$(archive_run "pgbk wal-push, archive-async, jobs $JOBS" "$PGBK --config $B/pgbk-push.yaml --quiet wal-push %p")
    log "archiving under pgbench with pgbackrest"
    a_pgbr=$(archive_run "pgbackrest archive-push, async, process-max $JOBS" "pgbackrest --config=$B/pgbr-push.conf --stanza=bench archive-push %p")
fi

# ---------------------------------------------------------------- report
best() { # label: the fastest of its runs
    printf '%s\n' "${results[@]}" | awk -F'\t' -v l="$1" '$1 == l { print $2 }' | sort -n | head -1
}
all_times() { # label: every run, in order, with its first-to-last-segment span
    printf '%s\n' "${results[@]}" | awk -F'\t' -v l="$1" '$1 == l { printf "%s%s s (%s s)", sep, $2, $5; sep = ", " }'
}
cp_time=$(best cp)
echo "Replay of $segments segments ($((wal_bytes / 1048576)) MiB of WAL; pgbk's bulk push of them took ${bulk_push%.*} s):"
echo
echo "| restore_command | recovery wall time, each run (first to last segment restored) | best vs best cp | segments restored | rows seen |"
echo "| --- | --- | --- | --- | --- |"
report_labels=("${labels[@]}")
[[ $SLOW == 1 ]] && report_labels+=("pgbk wal-fetch, prefetch 0")
for label in "${report_labels[@]}"; do
    IFS=$'\t' read -r _ _ n rows _ <<< "$(printf '%s\n' "${results[@]}" | awk -F'\t' -v l="$label" '$1 == l' | tail -1)"
    printf '| %s | %s | %.2fx | %s | %s |\n' "$label" "$(all_times "$label")" "$(echo "$(best "$label") / $cp_time" | bc -l)" "$n" "$rows"
done
[[ $ARCHIVING == 1 ]] || exit 0
echo
echo "Archiving under pgbench -c 4 for $SECONDS_LOAD s (backlog = .ready files, sampled every second):"
echo
echo "| archive_command | WAL written (segments) | max backlog | mean backlog | drain after load | failures | tps |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for a in "$a_pgbk" "$a_pgbr"; do
    IFS=$'\t' read -r label gen max mean drained failed tps <<< "$a"
    printf '| %s | %s | %s | %s | %s s | %s | %s |\n' "$label" "$gen" "$max" "$mean" "$drained" "$failed" "$tps"
done
