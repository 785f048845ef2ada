"""A copy of the project, as it was before Hà Tĩnh's layout was written, and `soyte` run inside it.

Scaffolding writes into the project it runs in, so its tests run the real commands in a copy
(in pytest's temporary directory): nothing is generated in this repository.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

COPY_IGNORES = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", "*.egg-info", "bench",
                                      "*.db", "*.db-*", "*.lock")


def copy_project(target: Path) -> Path:
    """The project without Hà Tĩnh: no [hatinh] entry, no spiders/layouts/hatinh.toml, no tests/test_hatinh.py."""
    shutil.copytree(ROOT, target, ignore=COPY_IGNORES)
    registry = target / "scraper" / "portals.toml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(re.sub(r"\[hatinh\]\n(?:[^\n\[#][^\n]*\n)+", "", text), encoding="utf-8")
    (target / "spiders" / "layouts" / "hatinh.toml").unlink()
    (target / "tests" / "test_hatinh.py").unlink()
    return target


def run(project: Path, *args: str, module: str = "scraper.cli") -> subprocess.CompletedProcess:
    """`soyte ARGS` (or `python -m MODULE ARGS`) with the copy's packages, in the copy."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    env.pop("SOYTE_REGISTRY", None)
    return subprocess.run([sys.executable, "-m", module, *args], cwd=project, env=env, capture_output=True,
                          text=True, timeout=180)


def python(project: Path, code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True,
                          timeout=60)


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    return result


def run_pytest(project: Path, *paths: str) -> subprocess.CompletedProcess:
    return run(project, "-q", "-p", "no:cacheprovider", *paths, module="pytest")
