"""Run a module as __main__ and write this process's peak resident memory (VmHWM, kB) to a file at exit.

    python -m tests.peak_rss OUT_FILE MODULE [ARGS…]

tests/test_bombs.py runs `soyte` under it to learn what the crawl's own process used. Why not the
parent's os.wait4 / RUSAGE_CHILDREN ru_maxrss: Linux records, at exec, the high-water mark of the
memory the child had before exec, and subprocess starts children with vfork, whose memory before
exec is the parent's, so the test process's own size would be reported as the crawl's. VmHWM belongs
to the new process image only. (bench/peak_rss.py does the same for the benchmarks: the tests and
the benchmarks run nothing of each other's.)
"""
from __future__ import annotations

import atexit
import runpy
import sys
from pathlib import Path


def write_peak(out: Path) -> None:
    """Write this process's VmHWM (kB) to `out`."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            out.write_text(line.split()[1])


def main(argv: list[str]) -> None:
    """Run MODULE with ARGS as `python -m MODULE ARGS` would, its peak memory written at exit, also on SystemExit."""
    out, module, *args = argv
    sys.argv = [module, *args]
    atexit.register(write_peak, Path(out))
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
