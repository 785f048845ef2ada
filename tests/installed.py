"""The project as users install it: a wheel built from a copy, fresh virtual environments outside the
checkout, and the scrapyd egg built by scrapyd-deploy.

Nothing here runs in or imports from this checkout: each build works in its own copy of the project
(pytest's temporary directory), each virtual environment is new (no system site-packages) and gets
its packages from pip as configured on this machine (its index, its cache), and every command runs
from a folder outside the checkout with an environment that names nothing inside it.

The builds are made once per test session and shared by tests/test_install.py and
tests/test_scrapyd.py (a fixture imported into two modules is two fixtures to pytest, so the cache
is this module's); the environments are removed when the session ends.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import ROOT

# Without git (a tarball of the project): the checkout's files but its build products (a stale
# build/lib would be packed into the wheel) and local files.
BUILD_IGNORES = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", "*.egg-info", "bench",
                                       "*.db", "*.db-*", "*.lock", "build", "dist")
# Variables that would make a command find the checkout, another environment or another project.
_NOT_PASSED = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV", "SCRAPY_SETTINGS_MODULE",
               "VIRTUAL_ENV_PROMPT", "SCRAPY_PROJECT", "SCRAPY_PYTHON_SHELL", "PWD", "OLDPWD"}
PACKAGES = ("scraper", "spiders", "archive", "soyte")


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def clone_files() -> list[str]:
    """The files a clone of the repository has (relative names): those git tracks or would track
    (new files too), not what .gitignore leaves out (build/, *.egg-info, .venv, archives)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                                capture_output=True, check=True, timeout=60).stdout.decode()
        names = filter(None, listed.split("\0"))
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: everything but BUILD_IGNORES
        names = []
        for folder, subfolders, files in os.walk(ROOT):
            ignored = BUILD_IGNORES(folder, subfolders + files)
            subfolders[:] = [name for name in subfolders if name not in ignored]
            names += [str(Path(folder, name).relative_to(ROOT)) for name in files if name not in ignored]
    return sorted(name for name in names if (ROOT / name).is_file())  # a tracked file deleted here is not there


def copy_for_build(target: Path) -> Path:
    """A clone of the project (clone_files) at `target`."""
    for name in clone_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    return target


def package_files(project: Path) -> frozenset[str]:
    """Every file of the three packages in a copy: what a wheel or an egg built from it must hold.
    (Taken from the copy, not the checkout: others may add files while the tests run.)"""
    return frozenset(str(path.relative_to(project)) for top in PACKAGES for path in (project / top).rglob("*")
                     if path.is_file() and "__pycache__" not in path.parts)


def package_modules(files: frozenset[str]) -> set[str]:
    """The importable modules among these files (a folder is a package when it has __init__.py)."""
    modules = set()
    for name in files:
        parts = name.removesuffix(".py").split("/")
        if not name.endswith(".py") or not all("/".join(parts[:depth] + ["__init__.py"]) in files
                                                for depth in range(1, len(parts))):
            continue
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


@dataclass(frozen=True)
class Build:
    """A wheel or an egg, the copy of the project it was built from, and the packages' files in that copy."""

    path: Path
    project: Path
    files: frozenset[str]


def outside_environment(bin_dir: Path | None = None) -> dict[str, str]:
    """This process's environment without anything that points into the checkout or at another
    Python environment; `bin_dir` first on PATH (as after `. VENV/bin/activate`)."""
    inside = str(ROOT)
    env = {name: value for name, value in os.environ.items()
           if name not in _NOT_PASSED and not name.startswith("SOYTE_") and inside not in value}
    path = [entry for entry in os.environ.get("PATH", os.defpath).split(os.pathsep) if entry and inside not in entry]
    env["PATH"] = os.pathsep.join(([str(bin_dir)] if bin_dir else []) + path)
    return env


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run(command: list[str | Path], *, cwd: Path, env: dict[str, str], timeout: float = 600,
        check: bool = True) -> subprocess.CompletedProcess:
    """Run a command; when it fails (and `check`), the assertion shows its last lines of stderr."""
    command = [str(part) for part in command]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(failure(result, cwd))
    return result


def failure(result: subprocess.CompletedProcess, cwd: Path | None = None) -> str:
    where = f" (in {cwd})" if cwd else ""
    return (f"`{' '.join(result.args)}`{where} exited {result.returncode}\n"
            f"--- last lines of stderr ---\n{tail(result.stderr)}\n"
            f"--- last lines of stdout ---\n{tail(result.stdout, 10)}")


@dataclass(frozen=True)
class Venv:
    """A virtual environment made by `python -m venv`, outside the checkout."""

    path: Path
    workdir: Path  # a folder outside the checkout, where its commands run

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    @property
    def env(self) -> dict[str, str]:
        return {**outside_environment(self.bin), "VIRTUAL_ENV": str(self.path)}

    def run(self, program: str, *args: str | Path, cwd: Path | None = None, timeout: float = 600,
            check: bool = True) -> subprocess.CompletedProcess:
        """`program ARGS` from the environment's bin folder (`python`, `pip`, `soyte`, `scrapyd-deploy` …)."""
        return run([self.bin / program, *args], cwd=cwd or self.workdir, env=self.env, timeout=timeout, check=check)

    def pip(self, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
        return self.run("python", "-m", "pip", *args, "-q", "--disable-pip-version-check", cwd=cwd)


def make_venv(path: Path, workdir: Path) -> Venv:
    """A new virtual environment (no system site-packages) from the Python running the tests."""
    workdir.mkdir(parents=True, exist_ok=True)
    base = Path(getattr(sys, "_base_executable", sys.executable))  # the interpreter under the test venv
    run([base, "-m", "venv", path], cwd=workdir, env=outside_environment())
    return Venv(path, workdir)


_built: dict[str, object] = {}


def _once(request: pytest.FixtureRequest, name: str, build: Callable[[], object]) -> object:
    if name not in _built:
        built = _built[name] = build()
        request.config.add_cleanup(lambda: _built.pop(name, None))
        if isinstance(built, Venv):  # ~200 MB each: not kept among pytest's last three temporary folders
            request.config.add_cleanup(lambda: shutil.rmtree(built.path, ignore_errors=True))
    return _built[name]


@pytest.fixture(scope="session")
def wheel(request, tmp_path_factory) -> Build:
    """soyte's wheel, built by pip from a copy of the project (with build isolation, as users build it)."""
    def build() -> Build:
        home = tmp_path_factory.mktemp("wheel")
        project = copy_for_build(home / "soyte")
        files = package_files(project)
        run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--disable-pip-version-check",
             "-w", home / "dist", project], cwd=home, env=outside_environment())
        (built,) = (home / "dist").glob("soyte-*.whl")
        return Build(built, project, files)
    return _once(request, "wheel", build)


@pytest.fixture(scope="session")
def installed(request, tmp_path_factory, wheel) -> Venv:
    """A new virtual environment with the wheel installed (its dependencies from the package index)."""
    def build() -> Venv:
        home = tmp_path_factory.mktemp("installed")
        venv = make_venv(home / "venv", home / "work")
        venv.pip("install", wheel.path)
        return venv
    return _once(request, "installed", build)


@pytest.fixture(scope="session")
def scrapyd_venv(request, tmp_path_factory) -> Venv:
    """Where scrapyd runs, installed as docs/OPERATIONS.md says (`pip install -e '.[scrapyd]'` in a
    clone), then without soyte itself: only its dependencies, scrapyd and scrapyd-client remain, so a
    deployed job runs the egg's code and nothing else (scrapyd appends the egg to sys.path: an
    installed soyte would come first and hide a broken egg)."""
    def build() -> Venv:
        home = tmp_path_factory.mktemp("scrapyd-venv")
        clone = copy_for_build(home / "soyte")
        venv = make_venv(home / "venv", home / "work")
        venv.pip("install", "-e", ".[scrapyd]", cwd=clone)
        venv.pip("uninstall", "-y", "soyte")
        return venv
    return _once(request, "scrapyd_venv", build)


@pytest.fixture(scope="session")
def egg(request, tmp_path_factory, scrapyd_venv) -> Build:
    """The egg `scrapyd-deploy` builds and uploads, built with `--build-egg` in a copy of the project."""
    def build() -> Build:
        home = tmp_path_factory.mktemp("egg")
        project = copy_for_build(home / "soyte")
        files = package_files(project)
        built = home / "soyte.egg"
        scrapyd_venv.run("scrapyd-deploy", "--build-egg", built, cwd=project)
        return Build(built, project, files)
    return _once(request, "egg", build)
