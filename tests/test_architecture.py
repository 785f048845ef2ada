"""The parts of the project and what each may import (docs/ARCHITECTURE.md) hold.

The contracts are written in pyproject.toml ([tool.importlinter]) and checked by import-linter's
`lint-imports`; every module must belong to one of the parts the contracts name, and no module
may import another that imports it back, however long the way round (imports inside functions
and under TYPE_CHECKING count: each is a dependency a reader has to follow).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from tests.helpers import ROOT

ROOT_PACKAGES = ("scraper", "spiders", "archive", "soyte", "bench")
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """`lint-imports` run in `project`, whose folder comes first on sys.path (not an installed soyte)."""
    script = Path(sys.executable).with_name("lint-imports")
    wide = {**os.environ, "COLUMNS": "400"}  # one line per contract in its report
    return subprocess.run([str(script), "--no-cache"], cwd=project, capture_output=True, text=True, timeout=300,
                          env=wide)


def import_graph() -> grimp.ImportGraph:
    return grimp.build_graph(*ROOT_PACKAGES, cache_dir=None)


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected groups of modules (Tarjan): each group of two or more is a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in result.stdout


def test_no_module_imports_in_a_circle():
    assert circles(import_graph()) == []


def test_every_module_of_scraper_belongs_to_a_part():
    """A new module beside the parts (scraper/foo.py) would escape every contract: name its part."""
    layers = next(contract["layers"] for contract in CONTRACTS if contract["type"] == "layers")
    parts = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    graph = import_graph()
    outside = sorted(module for module in graph.find_descendants("scraper")
                     if not any(module == part or module.startswith(part + ".") for part in parts))
    assert outside == []


def test_the_python_api_is_a_part_on_top():
    """`import soyte` (soyte/) sits beside the command line: it may read the archive, nothing imports it."""
    layers = next(contract["layers"] for contract in CONTRACTS if contract["type"] == "layers")
    assert "soyte" in {name.strip() for name in layers[0].replace("|", ":").split(":")}
    graph = import_graph()
    assert graph.find_modules_that_directly_import("soyte") - graph.find_descendants("soyte") == set()


def test_the_circle_finder_finds_a_circle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    assert circles(graph) == [["a.x", "a.y", "a.z"]]


@pytest.mark.parametrize("module, line, contract", [
    ("scraper/extraction/cleaning.py", "import scrapy", "Extracting and learning read pages"),
    ("spiders/portal.py", "import archive.store", "The spiders never open the archive"),
    ("scraper/model.py", "import scraper.portals.registry", "Layers"),
    ("scraper/learn/candidates.py", "import scraper.offline.backfill", "separate pieces"),
    ("archive/export.py", "import tests.helpers", "What ships imports neither"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, line, contract):
    """The contracts can fail: one import that crosses a line, in a copy of the project, breaks the one it should."""
    project = tmp_path / "project"
    for folder in (*ROOT_PACKAGES, "tests"):
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__", "fixtures"))
    shutil.copy(ROOT / "pyproject.toml", project)
    path = project / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # crossing a line\n", encoding="utf-8")
    result = lint_imports(project)
    assert result.returncode == 1, result.stdout[-3000:]
    broken = [name for name in (contract["name"] for contract in CONTRACTS) if f"{name} BROKEN" in result.stdout]
    assert [name for name in broken if contract in name] != [], result.stdout[-3000:]
