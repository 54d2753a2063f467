#!/usr/bin/env python3
"""Drops every file under the directories given from the page cache (posix_fadvise DONTNEED):
the benchmarks' way to measure reads from disk. Dirty pages are not dropped: sync first."""
import os
import sys

for root in sys.argv[1:]:
    for directory, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
