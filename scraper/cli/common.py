"""What every `soyte` command shares: registering a command, messages, the archive and output
files. Command modules import this, never scraper/cli/main.py (which imports them).

Data goes to stdout (JSON), progress and logs to stderr. Exit status (scraper.model's EXIT_*, which
`scrapy crawl` shares): 0 ok, 1 the crawl or a check found problems (a portal's alarm), 2 a usage
error (one line saying what to fix, never a traceback), 3 another crawl holds the archive, 4 the
archive cannot be written, 5 an optional extra the command needs is not installed (`--format wacz`
without py-wacz: the line says what to pip install).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import scraper


@dataclass
class Command:
    handler: Callable[[argparse.Namespace], int]
    purpose: str
    example: str
    arguments: Callable[[argparse.ArgumentParser], None] | None
    uses_archive: bool


COMMANDS: dict[str, Command] = {}


def command(name: str, purpose: str, example: str,
            arguments: Callable[[argparse.ArgumentParser], None] | None = None, uses_archive: bool = True):
    """Register a subcommand: one line of purpose, an example, and a function adding its arguments."""
    def register(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        COMMANDS[name] = Command(handler, purpose, example, arguments, uses_archive)
        return handler
    return register


class UsageError(Exception):
    """A user mistake: printed as one line, exit status 2."""


def emit(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def say(message: str) -> None:
    sys.stderr.write(message + "\n")


class ArchiveUnusable(Exception):
    """The archive file cannot be opened or read (not a database, corrupt, a directory): exit 4."""


class MissingExtra(Exception):
    """An optional dependency (a pyproject extra) the command needs is not installed: exit 5."""


def require_extra(extra: str, module: str, needed_for: str) -> None:
    """Refuse, before anything is read or written, a command whose optional `module` cannot be imported."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingExtra(f"{needed_for} needs the optional package {extra!r}, which is not installed: "
                           f"pip install 'soyte[{extra}]' (in soyte's checkout: pip install -e '.[{extra}]')") from None


def soyte_version() -> str:
    """The installed distribution's version; in a checkout that is not installed, its pyproject.toml's."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("soyte")
    except PackageNotFoundError:
        pass
    import tomllib

    try:
        project = tomllib.loads((Path(scraper.__file__).resolve().parent.parent / "pyproject.toml").read_text(
            encoding="utf-8"))["project"]
    except (OSError, ValueError, KeyError):
        return "unknown"
    return project.get("version", "unknown") if project.get("name") == "soyte" else "unknown"


class VersionAction(argparse.Action):
    """`soyte --version`: the version is looked up only when asked for, not on every command."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print soyte's version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        sys.stdout.write(f"soyte {soyte_version()}\n")
        parser.exit()


def open_archive(db: str, readonly: bool = False):
    """The archive at `db`, which must exist (commands that only read never create one).

    Reading commands pass `readonly`: they work on an archive kept on read-only storage too.
    """
    import sqlite3

    from archive.store import Archive

    if not Path(db).exists():
        raise UsageError(f"no archive at {db}: crawl first (soyte crawl --db {db}) or pass --db PATH")
    try:
        return Archive(db, readonly=readonly)
    except sqlite3.Error as error:
        raise ArchiveUnusable(f"the archive {db} cannot be opened: {error}") from None


@contextmanager
def output_file(path: Path) -> Iterator[Path]:
    """`-o FILE`: the path to write, FILE.part, renamed to FILE once the block ends without an error.

    On any error (disk full, Ctrl-C) FILE.part is removed and an earlier FILE is left as it was, so
    FILE is only ever a complete output.
    """
    part = path.with_name(path.name + ".part")
    try:
        yield part
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def port_number(text: str) -> int:
    """A TCP port, 1 to 65535 (argparse prints the message and exits 2)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return port


def port_argument(default: int) -> Callable[[argparse.ArgumentParser], None]:
    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--port", type=port_number, default=default)
    return add
