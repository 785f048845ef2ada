"""Run a module as __main__ and write this process's peak resident memory (VmHWM, kB) to a file at exit.

    python -m bench.peak_rss OUT_FILE MODULE [ARGS…]

Why not the parent's os.wait4 / RUSAGE_CHILDREN ru_maxrss: Linux records, at exec, the high-water
mark of the memory the child had before exec, and subprocess starts children with vfork, whose
memory before exec is the parent's. A benchmark process holding a 20,000-page site in memory
would see its own size reported as the crawl's. VmHWM belongs to the new process image only.
"""
import atexit
import runpy
import sys
from pathlib import Path

if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
    print(__doc__)
    raise SystemExit(0 if sys.argv[1:2] in (["-h"], ["--help"]) else 2)
out, module = sys.argv[1], sys.argv[2]
sys.argv = [module, *sys.argv[3:]]


def record() -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(out).write_text(line.split()[1])


atexit.register(record)
runpy.run_module(module, run_name="__main__", alter_sys=True)
