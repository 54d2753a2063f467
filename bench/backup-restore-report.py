#!/usr/bin/env python3
"""Turns the measurements of bench/backup-restore.sh into the Markdown tables of
docs/benchmarks.md: per section and tool the median wall time with every run and its load
average, the size, pgbk's peak RSS, and each goal of issues 3 and 4 with its ratio.

Input lines: section|tool|run|seconds|bytes|peak RSS KiB|load average at the start."""
import statistics
import sys
from collections import defaultdict

SECTIONS = [
    ("full", "Full backup from the standby", "backup size"),
    ("incr", "Incremental backup after ~5% of the pages changed", "backup size"),
    ("restore", "Full restore into an empty directory", "restored size"),
    ("delta", "Delta restore of the first incremental onto the restored full backup", "restored size"),
    ("cold", "Full restore, neither repository in the page cache", "restored size"),
    ("replay", "Restore + replay to a target time (`pgbk restore --start`)", ""),
    ("recovery", "Of which PostgreSQL's recovery: its start to ready after promotion (its log)", ""),
]
GOALS = [  # claim, numerator, denominator, bound
    ("pgbk full backup <= 0.8x pgBackRest", ("full", "pgbk"), ("full", "pgbackrest"), 0.8),
    ("pgbk incremental <= 0.2x pgbk full", ("incr", "pgbk"), ("full", "pgbk"), 0.2),
    ("pgbk full restore <= 0.8x pgBackRest", ("restore", "pgbk"), ("restore", "pgbackrest"), 0.8),
    ("pgbk delta restore <= 0.5x pgBackRest --delta", ("delta", "pgbk"), ("delta", "pgbackrest"), 0.5),
    ("(full restore, repositories not cached: same bound)", ("cold", "pgbk"), ("cold", "pgbackrest"), 0.8),
    ("replay via wal-fetch <= 1.1x local cp", ("replay", "wal-fetch"), ("replay", "local-cp"), 1.1),
    ("(the same, PostgreSQL's recovery part only)", ("recovery", "wal-fetch"), ("recovery", "local-cp"), 1.1),
]


def mib(value):
    return f"{int(value) / 1048576:.0f} MiB"


def main(path, title):
    runs = defaultdict(list)
    for line in open(path):
        section, tool, _, seconds, size, rss, load = line.rstrip("\n").split("|")
        runs[(section, tool)].append((float(seconds), size, rss, load))
    median = {key: statistics.median(r[0] for r in rows) for key, rows in runs.items()}
    print(f"Run: {title}\n")
    for section, heading, size_label in SECTIONS:
        tools = [key[1] for key in runs if key[0] == section]
        if not tools:
            continue
        print(f"**{heading}**\n")
        print(f"| tool | median wall time | runs (s) | {size_label or 'size'} | pgbk peak RSS | load average at start |")
        print("| --- | --- | --- | --- | --- | --- |")
        for tool in tools:
            rows = runs[(section, tool)]
            sizes = list(dict.fromkeys(mib(r[1]) for r in rows if r[1]))
            rss = max((int(r[2]) for r in rows if r[2]), default=None)
            print(f"| {tool} | {median[(section, tool)]:.2f} s | {', '.join(f'{r[0]:.2f}' for r in rows)} "
                  f"| {', '.join(sizes) or '-'} | {f'{rss / 1024:.0f} MiB' if rss else '-'} "
                  f"| {', '.join(r[3] for r in rows)} |")
        print()
    print("**Goals**\n")
    print("| goal | ratio of medians | met |")
    print("| --- | --- | --- |")
    for claim, numerator, denominator, bound in GOALS:
        if numerator in median and denominator in median:
            ratio = median[numerator] / median[denominator]
            print(f"| {claim} | {ratio:.2f} | {'yes' if ratio <= bound else 'no'} |")
    rss = max((int(r[2]) for rows in runs.values() for r in rows if r[2]), default=0)
    print(f"| pgbk peak RSS < 512 MiB (backup and restore) | {rss / 1024:.0f} MiB | {'yes' if rss < 512 * 1024 else 'no'} |")
    sizes = {tool: statistics.median(int(r[1]) for r in runs[("full", tool)]) for tool in ("pgbk", "pgbackrest")
             if ("full", tool) in runs}
    if len(sizes) == 2:
        print(f"| pgbk full backup no larger than pgBackRest's | {sizes['pgbk'] / sizes['pgbackrest']:.4f} "
              f"| {'yes' if sizes['pgbk'] <= sizes['pgbackrest'] else 'no'} |")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
