"""Every shell command of README.md and docs/*.md runs as written in a fresh clone.

Each ```bash block of a document is a command a user types. This test copies the project as a
fresh clone has it (the files git tracks, and new ones it does not ignore), runs README.md's own
install command there first, then every document's commands in the order they are written, one
bash script per document with `set -e`: a command that fails fails the test, naming the command.

What a person does that a script cannot is done around the command, never instead of it:
- a server the document starts in the foreground (`soyte serve`, `soyte demo`, `datasette`,
  `scrapyd`, `wayback`) is started, waited for until its port answers, and stopped;
- a server started with `&` is waited for in the same way before the next command (a person types
  slower than a script);
- the portals' real hosts are replaced by the bundled demo portals served on 127.0.0.1: the
  environment has SOYTE_REPLAY_URL, which `soyte crawl` takes as its `--replay` (this machine has no
  internet); the command line is the document's.
Two kinds of command are not run in full, each for its reason: the whole test suite
(`python -m pytest` alone: it is this suite; it is collected instead) and the benchmarks
(`python bench/…`: minutes each, and `bench/` is measured, not tested; each prints its `--help`).
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, reference_server
from tests.installed import copy_for_build

# The order a new user reads them in; the walk-through that activates a portal comes last.
DOCUMENTS = ("README.md", "docs/ARCHITECTURE.md", "docs/OPERATIONS.md", "docs/BENCHMARKS.md", "docs/PYTHON.md",
             "docs/ADDING_A_PORTAL.md")
# A foreground command that serves until stopped, and the port it serves on unless --port says otherwise.
SERVERS = ((re.compile(r"^soyte serve-portals\b"), 8123), (re.compile(r"^soyte serve\b"), 8001),
           (re.compile(r"(^|&& )soyte demo(?!.*--no-serve)"), 8001), (re.compile(r"^datasette\b"), 8001),
           (re.compile(r"^scrapyd\b(?!-)"), 6800), (re.compile(r"^wayback\b"), 8080))
WHOLE_SUITE = re.compile(r"python -m pytest(?=\s*(#|$|&&|;))")
EXAMPLE = "vidu"  # the made-up portal docs/ADDING_A_PORTAL.md adds
BENCHMARK = re.compile(r"^python (bench/\S+\.py|-m bench\.\S+)")


def shell_blocks(text: str) -> list[str]:
    """The ```bash blocks of a Markdown text, in order."""
    return re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M)


def commands(block: str) -> list[str]:
    """The complete commands of a block: continued lines joined, a quoted string kept across lines,
    blank lines and comment lines dropped."""
    found, pending = [], ""
    for line in block.splitlines():
        pending = f"{pending}\n{line}" if pending else line
        if pending.endswith("\\"):
            continue
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # an open quote: the command goes on on the next line
            continue
        if pending.strip() and not pending.lstrip().startswith("#"):
            found.append(pending.strip())
        pending = ""
    assert not pending, f"unfinished command at the end of a block: {pending!r}"
    return found


def server_port(command: str) -> int | None:
    """The port a serving command listens on, or None for a command that ends by itself."""
    for pattern, port in SERVERS:
        if pattern.search(command):
            given = re.search(r"--port[ =](\d+)", command)
            return int(given.group(1)) if given else port
    return None


def without_comment(command: str) -> str:
    """The command without its trailing `# comment` (a # inside quotes or a word is not one)."""
    quote, previous = "", " "
    for index, char in enumerate(command):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and previous.isspace():
            return command[:index].rstrip()
        previous = char
    return command


def as_run(command: str) -> str:
    """The bash that runs a document's command in this test (see the module's docstring)."""
    bare = without_comment(command)
    if BENCHMARK.match(bare):
        return f"{bare.split(' --')[0]} --help >/dev/null"
    if WHOLE_SUITE.search(bare):
        bare = WHOLE_SUITE.sub("python -m pytest --collect-only -q -p no:cacheprovider >/dev/null", bare)
    port = server_port(bare)
    if bare.endswith("&"):
        return f"{bare}\nwait_for_port {port}" if port else bare
    if port:
        return f"setsid bash -c {shlex.quote(bare)} &\nwait_for_port {port}\nkill -- -$! 2>/dev/null; sleep 0.5"
    return bare


SCRIPT_HEAD = """set -eo pipefail
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
wait_for_port() {
  for _ in $(seq 1 1500); do
    (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing answered on port $1" >&2; return 1
}
"""


def script(document: str, text: str) -> str:
    lines = [SCRIPT_HEAD]
    for command in (command for block in shell_blocks(text) for command in commands(block)):
        lines.append(f"echo {shlex.quote(f'$ {command}')} >&2")
        lines.append(as_run(command))
    return "\n".join(lines) + "\n"


def user_environment(clone: Path, replay_url: str) -> dict[str, str]:
    """A shell as a new user has it after the README's install: the clone's .venv first on PATH, nothing
    that points into this checkout or this test's virtual environment."""
    ours = str(Path(sys.executable).parent)
    path = [str(clone / ".venv" / "bin")] + [p for p in os.environ["PATH"].split(os.pathsep) if p != ours]
    env = {name: value for name, value in os.environ.items()
           if name not in ("PYTHONPATH", "VIRTUAL_ENV", "SCRAPY_SETTINGS_MODULE", "SOYTE_REGISTRY")}
    return {**env, "PATH": os.pathsep.join(path), "SOYTE_REPLAY_URL": replay_url, "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    return before_the_worked_example(copy_for_build(tmp_path_factory.mktemp("clone")))  # what git tracks and would add


def before_the_worked_example(clone: Path) -> Path:
    """The clone without the portal docs/ADDING_A_PORTAL.md adds, if a maintainer followed it for real
    in this checkout: the walk-through adds it again from the start."""
    registry = clone / "scraper" / "portals.toml"
    text = registry.read_text(encoding="utf-8")
    registry.write_text(re.sub(rf"\n*\[{EXAMPLE}\]\n(?:[^\n\[][^\n]*\n?)*", "\n", text), encoding="utf-8")
    for path in (clone / "spiders" / "layouts" / f"{EXAMPLE}.toml", clone / "tests" / f"test_{EXAMPLE}.py"):
        path.unlink(missing_ok=True)
    shutil.rmtree(clone / "tests" / "fixtures" / EXAMPLE, ignore_errors=True)
    return clone


def test_the_documents_name_only_files_a_fresh_clone_has():
    for document in DOCUMENTS + tuple(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")):
        text = (ROOT / document).read_text(encoding="utf-8")
        assert "../shared" not in text, f"{document} points at ../shared, which only the developers' machine has"


def test_every_document_is_run():
    assert set(DOCUMENTS) == {"README.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))}


def test_commands_are_read_whole():
    block = "a --x \\\n    --y  # c\n# only a comment\n\nb \"one\ntwo\" | c\n"
    assert commands(block) == ["a --x \\\n    --y  # c", "b \"one\ntwo\" | c"]
    assert server_port("soyte serve health.db --port 8002  # another") == 8002
    assert server_port("soyte demo --no-serve") is None
    assert server_port("soyte serve-portals --port 8123 &") == 8123
    assert server_port("scrapyd-deploy") is None
    assert without_comment('soyte search "a # b"  # finds "c"') == 'soyte search "a # b"'
    assert as_run("soyte serve-portals --port 8124 docs/x &   # offline") == \
        "soyte serve-portals --port 8124 docs/x &\nwait_for_port 8124"
    assert as_run("python -m pytest                 # the whole suite").startswith("python -m pytest --collect-only")
    assert as_run("python -m pytest tests/test_x.py") == "python -m pytest tests/test_x.py"


@pytest.mark.e2e
def test_every_command_of_the_documentation_runs_in_a_fresh_clone(clone):
    """README.md first (its install makes .venv), then each document in turn, in one clone."""
    with reference_server() as portals:
        env = user_environment(clone, portals.url)
        for document in DOCUMENTS:
            text = (clone / document).read_text(encoding="utf-8")
            returncode, stderr = run_script(script(document, text), clone, env)
            ran = [line for line in stderr.splitlines() if line.startswith("$ ")]
            assert returncode == 0, f"{document}: `{ran[-1][2:] if ran else '?'}` exited {returncode}:\n{stderr[-5000:]}"


def run_script(text: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """(exit status, stderr) of a bash script run in its own session; whatever it leaves running is
    stopped with it."""
    process = subprocess.Popen(["bash", "-c", text], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _out, stderr = process.communicate(timeout=1800)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        process.wait()
    return process.returncode, stderr
