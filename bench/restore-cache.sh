#!/usr/bin/env bash
# Full restores on a kept copy of bench/backup-restore.sh's data set (KEEP=1), with the repository
# out of the page cache (posix_fadvise DONTNEED on every file) or in it (read with cat), alternating
# between launchers: how the page cache and the launcher's read-ahead of the parts change a restore
# (docs/benchmarks.md, "Base backup", eleventh session).
#
# Usage: bench/restore-cache.sh SCRATCH BACKUP_ID ROUNDS LAUNCHER...
#   SCRATCH    the kept scratch directory (it holds pgbk.yaml, repo/, pgbk/)
#   BACKUP_ID  a full backup of pgbk's repository there
#   LAUNCHER   bin/pgbk scripts to compare, each installed next to the copy's jar
#              (e.g. git show HEAD~1:bin/pgbk > SCRATCH/pgbk/bin/pgbk.old)
#   env: CACHE=cold|warm|both (both)
# Prints one line per restore: "cold|warm LAUNCHER SECONDS", then the mean of each.
set -euo pipefail
[[ $# -ge 4 ]] || { sed -n 2,13p "$0" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "run as root (PostgreSQL's files belong to postgres)" >&2; exit 1; }
B=$1 id=$2 rounds=$3
shift 3
case ${CACHE:-both} in
    cold) caches=(cold) ;;
    warm) caches=(warm) ;;
    *) caches=(cold warm) ;;
esac

evict() { python3 "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/evict.py" "$@"; }

restore() { # cache launcher
    rm -rf "$B/target"
    install -d -o postgres -m 700 "$B/target"
    if [[ $1 == cold ]]; then evict "$B/repo"; else find "$B/repo" -type f -print0 | xargs -0 cat > /dev/null; fi
    sync
    local t0 t1
    t0=$(date +%s.%N)
    runuser -u postgres -- "$2" --config "$B/pgbk.yaml" restore --pgdata "$B/target" --backup "$id" > /dev/null
    t1=$(date +%s.%N)
    awk -v c="$1" -v l="$2" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s %s %.2f\n", c, l, b - a }'
}

for ((round = 1; round <= rounds; round++)); do
    for launcher in "$@"; do
        for cache in "${caches[@]}"; do
            restore "$cache" "$launcher"
        done
    done
done | tee /dev/stderr | awk '{ key = $1 " " $2; sum[key] += $3; n[key]++ }
    END { for (key in sum) printf "mean %s %.2f (%d)\n", key, sum[key] / n[key], n[key] }' | sort
rm -rf "$B/target"
