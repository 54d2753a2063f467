#!/usr/bin/env bash
# Backup and restore benchmark: pgbk side by side with pgBackRest and pg_basebackup, in one run,
# for the goals of docs/benchmarks.md ("Base backup", "Restore"):
#
#  - full backup from the standby: pgbk, pgBackRest (backup-standby=y), pg_basebackup -Ft plain
#    and with client zstd:1; wall time, size of the backup, pgbk's peak RSS;
#  - incremental after ~5% of the pages changed: pgbk --type incr, pgBackRest --type=incr;
#  - full restore into an empty directory, then delta restore of the first incremental onto that
#    directory (it holds the full backup: ~5% of the pages differ): pgbk vs pgBackRest, each
#    tool's repository in the page cache; then a full restore with neither repository cached;
#  - restore + replay of REPLAY_MB of WAL to a target time with `pgbk restore --start`, once with
#    restore_command = pgbk wal-fetch (prefetching from the repository), once with a stand-in
#    that `cp`s the same segments from a local directory: wall time until recovery is done.
#
# Data set: a primary with data checksums (16 MiB segments) and a streaming standby
# (pg_basebackup -R); pgbench -i -s SCALE plus RANDOM_MB of random bytea rows (pgcrypto), which
# do not compress. archive_command feeds both repositories (pgBackRest first, then pgbk, then a
# plain copy for the local-WAL replay). Both tools: local repository, zstd level 1, JOBS workers
# (pgBackRest's process-max). Before each backup the primary checkpoints, the standby replays it
# and makes its restartpoint (not timed), so that the restartpoint the backup asks for is quick
# for every tool and every kind of backup, and the
# standby's files are read once (not timed either), so that every tool finds them cached; so are
# each tool's repository before its restores and the restored directory before each delta
# restore. The last restore round has both repositories evicted from the page cache instead.
#
# Needs: root (PostgreSQL runs as the user postgres), PostgreSQL 15 with pgcrypto, pgbench,
# pgbackrest and GNU time (Debian packages pgbackrest, time), the built jar
# (mvn -q -B -DskipTests package -pl cli -am), about 50 GB of free disk at the default size.
# Installs nothing. Everything lives in a scratch directory removed at the end (KEEP=1 keeps it);
# every server and pgbk background worker it starts is stopped, also on failure.
# Results: Markdown tables on stdout (bench/backup-restore-report.py), progress and every
# single measurement on stderr.
#
# Usage: bench/backup-restore.sh
#   env: BENCH_SCALE=100 BENCH_RANDOM_MB=2048 BENCH_REPLAY_MB=1200 RUNS=3 RESTORE_RUNS=5 COLD_RUNS=5 REPLAY_RUNS=5
#        JOBS=2 KEEP=0
#        (RESTORE_RUNS: rounds of the four restores, REPLAY_RUNS of the restore + replay pair: their
#        times spread the most, and each round takes seconds where a backup round takes a minute)
#        BENCH_TMP=/var/tmp (where the scratch directory goes)
#   quick check: BENCH_SCALE=10 BENCH_RANDOM_MB=100 BENCH_REPLAY_MB=64 RUNS=1 RESTORE_RUNS=1 COLD_RUNS=1 REPLAY_RUNS=1 bench/backup-restore.sh
set -euo pipefail

SCALE=${BENCH_SCALE:-100}
# 2 GiB of random rows, where the goals (docs/benchmarks.md) ask for at least 1 GB: at 1 GiB an
# incremental's fixed costs (a JVM starting, the lock, pg_backup_start, the parent's manifest)
# weighed more than its copy, and its ratio to a full backup moved with the full backup's time
# (benchmarks.md, "Base backup", fifteenth session). BENCH_RANDOM_MB=1024 is the smallest the goals allow.
RANDOM_MB=${BENCH_RANDOM_MB:-2048}
REPLAY_MB=${BENCH_REPLAY_MB:-1200}  # 1800-byte rows: about 1.1 GiB of WAL
RUNS=${RUNS:-3}
RESTORE_RUNS=${RESTORE_RUNS:-5}
COLD_RUNS=${COLD_RUNS:-5}
REPLAY_RUNS=${REPLAY_RUNS:-5}
JOBS=${JOBS:-2}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
ROOT=$(dirname "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")")
JAR=$ROOT/cli/target/pgbk.jar

[[ $(id -u) -eq 0 ]] || { echo "run as root (PostgreSQL runs as postgres)" >&2; exit 1; }
[[ -f $JAR ]] || { echo "$JAR is missing: mvn -q -B -DskipTests package -pl cli -am" >&2; exit 1; }
command -v pgbackrest > /dev/null || { echo "pgbackrest is missing (apt-get install pgbackrest)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "GNU time is missing (apt-get install time)" >&2; exit 1; }

B=$(mktemp -d "${BENCH_TMP:-/var/tmp}/backup-restore-bench.XXXXXX")
chmod 755 "$B" && chown postgres "$B"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P1=$(free_port); P2=$(free_port); P3=$(free_port)
as_pg() { runuser -u postgres -- "$@"; }
log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s.%N; }
load() { cut -d' ' -f1 /proc/loadavg; }
sql() { as_pg "$PGBIN/psql" -X -h "$B" -p "$1" -d postgres -Atqc "$2"; }

# Pids of the postmasters and pgbk background workers started, kept here rather than only in
# $B so that cleanup finds them even if the scratch directory is gone.
declare -A PIDS=()
remember_pids() { # files holding a pid on their first line: postmaster.pid, pgbk's lock files
    local file pid
    for file in "$@"; do
        [[ -f $file ]] && pid=$(head -n 1 "$file") && [[ $pid =~ ^[0-9]+$ ]] && PIDS[$pid]=1
    done
    return 0
}
stop_pgbk_workers() {
    local lock pid
    for lock in "$B"/spool/archive/*/*.lock; do
        [[ -f $lock ]] || continue
        pid=$(< "$lock")
        [[ $pid =~ ^[0-9]+$ ]] && kill "$pid" 2> /dev/null || true
    done
}
stop_server() {
    remember_pids "$1/postmaster.pid"
    [[ -f $1/postmaster.pid ]] && as_pg "$PGBIN/pg_ctl" -D "$1" -m immediate -w stop > /dev/null 2>&1 || true
}
cleanup() {
    local data pid
    for data in "$B"/replay "$B"/standby "$B"/primary; do stop_server "$data"; done
    stop_pgbk_workers
    for pid in "${!PIDS[@]}"; do # still ours (not a recycled pid)? postmaster: immediate shutdown
        grep -qF "$B" "/proc/$pid/cmdline" 2> /dev/null || continue
        if grep -qF bin/postgres "/proc/$pid/cmdline"; then kill -QUIT "$pid"; else kill "$pid"; fi 2> /dev/null || true
    done
    if [[ ${KEEP:-0} == 1 ]]; then log "kept $B"; else rm -rf "$B"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ setup
install -d -o postgres "$B"/pgbk/lib "$B"/repo "$B"/spool "$B"/lock "$B"/pgbr "$B"/pgbr-lock "$B"/walcopy "$B"/localwal/bin
install -d "$B"/pgbk/bin
cp "$ROOT"/bin/pgbk "$B"/pgbk/bin/ && cp "$JAR" "$B"/pgbk/lib/pgbk.jar && chown postgres "$B"/pgbk/lib/pgbk.jar
PGBK=$B/pgbk/bin/pgbk
as_pg "$PGBK" --version > /dev/null || { echo "the copied jar does not run (a build in progress?): retry" >&2; exit 1; }

cat > "$B/pgbk.yaml" <<EOF
repo: $B/repo
cluster: main
lock-path: $B/lock
spool-path: $B/spool
pgbk-command: $PGBK
jobs: $JOBS
compress: zstd:1
log-level: warn
EOF
cat > "$B/pgbr.conf" <<EOF
[global]
repo1-path=$B/pgbr
repo1-retention-full=99
compress-type=zst
compress-level=1
process-max=$JOBS
backup-standby=y
start-fast=y
lock-path=$B/pgbr-lock
log-path=$B/pgbr-lock
log-level-console=warn
log-level-file=off
[bench]
pg1-path=$B/primary
pg1-port=$P1
pg1-socket-path=$B
pg2-path=$B/standby
pg2-port=$P2
pg2-socket-path=$B
EOF
chmod 644 "$B/pgbk.yaml" "$B/pgbr.conf"
PGBR=(pgbackrest --config="$B/pgbr.conf" --stanza=bench)

# The local-WAL stand-in for pgbk in restore_command: same command line, the segment from $B/walcopy.
cat > "$B/localwal/bin/pgbk" <<EOF
#!/bin/bash
exec cp "$B/walcopy/\${@: -2:1}" "\${@: -1}"
EOF
chmod 755 "$B/localwal/bin/pgbk"

log "primary on port $P1, standby on port $P2, scratch $B"
as_pg "$PGBIN/initdb" -D "$B/primary" -A trust -U postgres --data-checksums --no-instructions > /dev/null
cat >> "$B/primary/postgresql.conf" <<EOF
port = $P1
unix_socket_directories = '$B'
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 10
max_wal_size = 8GB
checkpoint_timeout = 30min
shared_buffers = 512MB
archive_mode = on
archive_command = '${PGBR[*]} archive-push %p && $PGBK --config $B/pgbk.yaml wal-push %p && cp %p $B/walcopy/%f'
EOF
as_pg "$PGBIN/pg_ctl" -D "$B/primary" -l "$B/primary.log" -w -t 600 start > /dev/null
remember_pids "$B/primary/postmaster.pid"
as_pg "$PGBIN/pg_basebackup" -h "$B" -p "$P1" -D "$B/standby" -R -X stream -c fast
sed -i -e "s/^port = .*/port = $P2/" "$B/standby/postgresql.conf"
as_pg "$PGBIN/pg_ctl" -D "$B/standby" -l "$B/standby.log" -w -t 600 start > /dev/null
remember_pids "$B/standby/postmaster.pid"
as_pg "${PGBR[@]}" stanza-create

log "loading pgbench -s $SCALE and $RANDOM_MB MB of random bytes"
as_pg "$PGBIN/pgbench" -h "$B" -p "$P1" -i -s "$SCALE" -q postgres > /dev/null 2>&1
# 1800-byte rows stay inline (under the TOAST threshold): four to a page, ~2 KiB of disk per row.
sql "$P1" "CREATE EXTENSION pgcrypto; CREATE TABLE rnd (id bigint, payload bytea)"
rows=$((RANDOM_MB * 512))
for ((first = 1; first <= rows; first += 51200)); do
    sql "$P1" "INSERT INTO rnd SELECT g, gen_random_bytes(1024) || gen_random_bytes(776) FROM generate_series($first, $((first + 51199 < rows ? first + 51199 : rows))) g"
done
# Hint bits: with data checksums the first read of a page after a checkpoint that sets them logs a
# full-page image, which moves the page LSN. Vacuum sets them now (pgbench -i vacuums its own
# tables), as autovacuum would in production, so that an incremental sees only real changes.
sql "$P1" "VACUUM (FREEZE, ANALYZE) rnd"
data_bytes=$(sql "$P1" "SELECT pg_database_size('postgres')")

# Waits until the standby has replayed the primary's current LSN and every finished segment is
# archived, and has the standby write out the pages it replayed (its restartpoint), so that
# every backup finds the same: pgbk's incrementals, the first backups after the benchmark's
# changes, had the restartpoint of the changed pages to wait for (0.25 s in pg_backup_start on a
# kept copy), while pgBackRest's incrementals, which follow pgbk's, and every full backup, taken
# after no change, had none.
settle() {
    local lsn
    sql "$P1" "CHECKPOINT"
    lsn=$(sql "$P1" "SELECT pg_current_wal_lsn()")
    until [[ $(sql "$P2" "SELECT pg_last_wal_replay_lsn() >= '$lsn'") == t ]]; do sleep 0.2; done
    sql "$P2" "CHECKPOINT"
    until [[ $(sql "$P1" "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'") == 0 ]]; do sleep 0.5; done
}
log "waiting for the standby and the archive to catch up"
settle

# Before each timed command, untimed: the page cache's dirty data written back, so that no tool
# pays for the writeback of what the previous one wrote (a restore right after another tool's
# 1 GB incremental, or after removing its 2.5 GB restore, took up to 1.4x as long).
quiesce() { sync; }
# Before each timed backup, untimed: every file of the standby read once, so that each tool finds
# them in the page cache. Which of them the kernel had evicted depended on the order of the tools
# (pgbk comes right after pg_basebackup's two runs): a full backup of a standby whose files had
# been evicted took pgbk 9.2 to 10.4 s instead of 5.9 to 6.1 s on a kept copy, and once 8.4 s in a
# run whose other full backups took 5.8 s.
warm_standby() { warm "$B/standby"; }
warm() { find "$1" -type f -print0 | xargs -0 cat > /dev/null 2>&1 || true; }
# Before each timed delta restore, untimed: the directory's files read once, for the same reason.
# pgbk's restore writes past the page cache (O_DIRECT, docs/pitr.md) and pgBackRest's through it,
# so each tool's delta would otherwise find the files as its own restore left them: cached for
# pgBackRest, on disk for pgbk (2.62 to 3.23 s instead of 1.7 to 2.0 s at 08:07).
warm_target() { warm "$B/target"; }
# Before each timed restore, untimed: the tool's repository read once. pgBackRest's restore writes
# through the page cache and evicts what was cached before it, pgbk's writes past it (above): in a
# run, pgbk's repository was progressively evicted by pgBackRest's restores and its later rounds
# read it from disk (2.2 to 2.6 s with the repository cached, 3.6 to 4.3 s without, on a kept
# copy; pgBackRest's 3.7 to 3.9 s either way). Each tool now finds its repository cached, as each
# finds the standby cached before a backup; the cold case has a round of its own.
warm_repo() { warm "$1"; }
# posix_fadvise(DONTNEED) on every file under the directories: out of the page cache.
evict() { python3 "$ROOT/bench/evict.py" "$@"; }

# One measurement: "section|tool|run|seconds|bytes|peak RSS KiB|load" into $B/results.
record() { echo "$1|$2|$3|$4|$5|$6|$7" >> "$B/results"; log "$1 $2 #$3: ${4}s ${5} bytes rss ${6} KiB load $7"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
newest() { ls -1d "$@" 2> /dev/null | sort | tail -n 1; }
pgbk_backups() { ls -1d "$B"/repo/main/backups/*/ 2> /dev/null | while read -r d; do [[ -f $d/backup.json ]] && echo "${d%/}"; done; }
timed_pgbk() { # run, rss file, pgbk args...
    local rss=$1; shift
    as_pg /usr/bin/time -f %M -o "$rss" "$PGBK" --config "$B/pgbk.yaml" "$@"
}

# ------------------------------------------------------------------ full backups
declare -A FULL
for ((run = 1; run <= RUNS; run++)); do
    settle; warm_standby; quiesce; l=$(load); t0=$(now)
    timed_pgbk "$B/rss" backup --from standby --type full --pgdata "$B/standby" \
        --db "host=127.0.0.1 port=$P2 user=postgres dbname=postgres" --primary "host=127.0.0.1 port=$P1 user=postgres dbname=postgres" > /dev/null
    t1=$(now); FULL[pgbk]=$(pgbk_backups | tail -n 1)
    record full pgbk "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "${FULL[pgbk]}" | cut -f1)" "$(< "$B/rss")" "$l"

    settle; warm_standby; quiesce; l=$(load); t0=$(now)
    as_pg "${PGBR[@]}" backup --type=full
    t1=$(now); FULL[pgbr]=$(newest "$B"/pgbr/backup/bench/2*F)
    record full pgbackrest "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "${FULL[pgbr]}" | cut -f1)" "" "$l"

    for variant in plain zstd; do
        compress=(); [[ $variant == zstd ]] && compress=(--compress=client-zstd:1)
        settle; warm_standby; quiesce; l=$(load); t0=$(now)
        as_pg "$PGBIN/pg_basebackup" -h "$B" -p "$P2" -D "$B/basebackup" -Ft -X none -c fast "${compress[@]}"
        t1=$(now)
        record full "pg_basebackup $variant" "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "$B/basebackup" | cut -f1)" "" "$l"
        rm -rf "$B/basebackup"
    done
done

# ------------------------------------------------------------------ incrementals
# Round r rewrites every row of the pages whose number is r modulo 40 (2.5% of the pages); the
# new row versions fill fresh pages at the end of the tables (another 2.5%), the index gets new
# entries for them, and VACUUM (as autovacuum would) cleans the same pages: about 5% of the pages
# change.
declare -A INCR1
for ((run = 1; run <= RUNS; run++)); do
    r=$((run - 1))
    sql "$P1" "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE (ctid::text::point)[0]::bigint % 40 = $r"
    sql "$P1" "UPDATE rnd SET id = id WHERE (ctid::text::point)[0]::bigint % 40 = $r"
    sql "$P1" "VACUUM pgbench_accounts, rnd"
    settle; warm_standby; quiesce; l=$(load); t0=$(now)
    timed_pgbk "$B/rss" backup --from standby --type incr --max-incremental-chain 99 --pgdata "$B/standby" \
        --db "host=127.0.0.1 port=$P2 user=postgres dbname=postgres" --primary "host=127.0.0.1 port=$P1 user=postgres dbname=postgres" > /dev/null
    t1=$(now); id=$(pgbk_backups | tail -n 1)
    record incr pgbk "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "$id" | cut -f1)" "$(< "$B/rss")" "$l"
    [[ $run == 1 ]] && INCR1[pgbk]=$id

    warm_standby; quiesce; l=$(load); t0=$(now)
    as_pg "${PGBR[@]}" backup --type=incr
    t1=$(now); id=$(newest "$B"/pgbr/backup/bench/2*I)
    record incr pgbackrest "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "$id" | cut -f1)" "" "$l"
    [[ $run == 1 ]] && INCR1[pgbr]=$id
done

# ------------------------------------------------------------------ full and delta restores
for ((run = 1; run <= RESTORE_RUNS; run++)); do
    install -d -o postgres -m 700 "$B/target"
    warm_repo "$B/repo"; quiesce; l=$(load); t0=$(now)
    timed_pgbk "$B/rss" restore --pgdata "$B/target" --backup "${FULL[pgbk]##*/}" > /dev/null
    t1=$(now)
    record restore pgbk "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "$B/target" | cut -f1)" "$(< "$B/rss")" "$l"
    warm_target; warm_repo "$B/repo"; quiesce; l=$(load); t0=$(now)
    timed_pgbk "$B/rss" restore --pgdata "$B/target" --delta --backup "${INCR1[pgbk]##*/}" > /dev/null
    t1=$(now)
    record delta pgbk "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "$B/target" | cut -f1)" "$(< "$B/rss")" "$l"
    rm -rf "$B/target"

    install -d -o postgres -m 700 "$B/target"
    warm_repo "$B/pgbr"; quiesce; l=$(load); t0=$(now)
    as_pg "${PGBR[@]}" --pg1-path="$B/target" --set="${FULL[pgbr]##*/}" restore
    t1=$(now)
    record restore pgbackrest "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "$B/target" | cut -f1)" "" "$l"
    warm_target; warm_repo "$B/pgbr"; quiesce; l=$(load); t0=$(now)
    as_pg "${PGBR[@]}" --pg1-path="$B/target" --set="${INCR1[pgbr]##*/}" --delta restore
    t1=$(now)
    record delta pgbackrest "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "$B/target" | cut -f1)" "" "$l"
    rm -rf "$B/target"
done

# The same full restores with both repositories out of the page cache, as on a machine that has
# not read them lately.
for ((run = 1; run <= COLD_RUNS; run++)); do
    install -d -o postgres -m 700 "$B/target"
    evict "$B/repo" "$B/pgbr"; quiesce; l=$(load); t0=$(now)
    timed_pgbk "$B/rss" restore --pgdata "$B/target" --backup "${FULL[pgbk]##*/}" > /dev/null
    t1=$(now)
    record cold pgbk "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "$B/target" | cut -f1)" "$(< "$B/rss")" "$l"
    rm -rf "$B/target"

    install -d -o postgres -m 700 "$B/target"
    evict "$B/repo" "$B/pgbr"; quiesce; l=$(load); t0=$(now)
    as_pg "${PGBR[@]}" --pg1-path="$B/target" --set="${FULL[pgbr]##*/}" restore
    t1=$(now)
    record cold pgbackrest "$run" "$(elapsed "$t0" "$t1")" "$(du -sb "$B/target" | cut -f1)" "" "$l"
    rm -rf "$B/target"
done

# ------------------------------------------------------------------ restore + replay to a time
log "writing $REPLAY_MB MB of WAL after the last backup"
sql "$P1" "CREATE TABLE replay (id bigint, payload bytea)"
replay_from=$(sql "$P1" "SELECT pg_current_wal_lsn()")
rows=$((REPLAY_MB * 512))
for ((first = 1; first <= rows; first += 51200)); do
    sql "$P1" "INSERT INTO replay SELECT g, gen_random_bytes(1024) || gen_random_bytes(776) FROM generate_series($first, $((first + 51199 < rows ? first + 51199 : rows))) g"
done
target=$(sql "$P1" "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
until [[ $(sql "$P1" "SELECT clock_timestamp() > '$target'::timestamptz") == t ]]; do :; done
sql "$P1" "CREATE TABLE after_target AS SELECT 1 AS x"
replay_mib=$(sql "$P1" "SELECT ((pg_current_wal_lsn() - '$replay_from') / 1048576)::int")
expected=$(sql "$P1" "SELECT count(*) FROM replay")
# What autovacuum would otherwise do during the first rounds, done now (after the target, so not
# replayed): the new table's first vacuum sets hint bits and visibility map bits, logged as page
# images with data checksums, about as much WAL again, archived three times over. Until the
# eleventh session the first two rounds of both variants took 13 to 20 s and the others 10 to
# 13.5 s, with load averages above 3.
sql "$P1" "VACUUM (FREEZE, ANALYZE) replay"
sql "$P1" "SELECT pg_switch_wal()" > /dev/null
settle
# The part spent in PostgreSQL: from its start to the end of recovery (ready after promotion).
recovery_seconds() {
    python3 - "$1" <<'PY'
import datetime, re, sys
stamps = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)", line)
    if m and ("starting PostgreSQL" in line or "ready to accept connections" in line):
        stamps.setdefault("start" if "starting" in line else "ready", datetime.datetime.fromisoformat(m.group(1)))
print(f"{(stamps['ready'] - stamps['start']).total_seconds():.2f}")
PY
}
for ((run = 1; run <= REPLAY_RUNS; run++)); do
    for variant in wal-fetch local-cp; do
        command=$PGBK; [[ $variant == local-cp ]] && command=$B/localwal/bin/pgbk
        install -d -o postgres -m 700 "$B/replay"
        rm -rf "$B"/spool/archive
        # Both variants restore the backup with pgbk; the cold rounds above left its parts evicted,
        # and the first round, always wal-fetch's, read them from the disk (14.8, 13.7 and 14.8 s
        # in the twelfth session against 9.3 to 11 s for the others; with this read, 12.7 s, and
        # local WAL's first round 12.0 s: what remains is common to both).
        warm_repo "$B/repo"; quiesce; l=$(load); t0=$(now)
        timed_pgbk "$B/rss" restore --pgdata "$B/replay" --target-time "$target" --start --port "$P3" \
            --pgbk-command "$command" > /dev/null
        t1=$(now)
        remember_pids "$B/replay/postmaster.pid" "$B"/spool/archive/*/*.lock
        got=$(sql "$P3" "SELECT count(*) FROM replay")
        [[ $got == "$expected" ]] || { echo "replay $variant: $got rows, expected $expected" >&2; exit 1; }
        record replay "$variant" "$run" "$(elapsed "$t0" "$t1")" "" "$(< "$B/rss")" "$l"
        record recovery "$variant" "$run" "$(recovery_seconds "$B/replay/log/pgbk-recovery.log")" "" "" "$l"
        stop_server "$B/replay"; stop_pgbk_workers; rm -rf "$B/replay"
    done
done

# ------------------------------------------------------------------ report
python3 "$ROOT/bench/backup-restore-report.py" "$B/results" \
    "$(date -u +%F) scale $SCALE + $RANDOM_MB MB random ($((data_bytes / 1048576)) MiB in the database), $replay_mib MiB of WAL to replay, jobs $JOBS, runs $RUNS (restores $RESTORE_RUNS, cold restores $COLD_RUNS, replay $REPLAY_RUNS)" \
    | tee "$B/results.md"
