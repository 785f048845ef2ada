"""DIAGNOSTIC (benchmarks only): memory_probe.py's probe on a crawl with every prototype fix."""
from bench.prototype.crawl_settings_all import *  # noqa: F401,F403
from bench.prototype.memory_probe import EXTENSIONS, MemoryProbe  # noqa: F401
