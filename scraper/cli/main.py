"""The `soyte` command: thin wrappers over the library, like sqlite-utils' verbs.

Commands register themselves with `@command(...)` (scraper/cli/common.py), one module per group;
this module imports them, in the order `soyte --help` lists them, builds the parser and runs one.
"""
from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys

# Importing a command module registers its commands; `soyte --help` lists them in this order.
from scraper.cli import crawl  # noqa: F401  (crawl, extract, reextract, serve-portals, demo, search, runs)
from scraper.cli import browse, learn, merge, ops, portal, warc  # noqa: F401,E402
from scraper.cli.common import COMMANDS, ArchiveUnusable, MissingExtra, UsageError, VersionAction, say
from scraper.model import EXIT_MISSING_EXTRA, EXIT_OK, EXIT_STORAGE, EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="soyte", description="Archive the news of Vietnam's provincial "
                                     "Departments of Health (Sở Y tế) into SQLite.")
    parser.add_argument("--version", action=VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, spec in COMMANDS.items():
        p = sub.add_parser(name, help=spec.purpose, description=spec.purpose, epilog=f"Example: {spec.example}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(handler=spec.handler)
        if spec.uses_archive:
            p.add_argument("--db", default="archive.db", help="the archive file (default: ./archive.db)")
        if spec.arguments:
            spec.arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "scraper.settings")
    args = build_parser().parse_args(argv)
    if args.command != "crawl":  # a crawl logs through Scrapy's own handler
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.handler(args)
    except UsageError as error:
        say(f"soyte {args.command}: {error}")
        return EXIT_USAGE
    except ArchiveUnusable as error:
        say(f"soyte {args.command}: {error}")
        return EXIT_STORAGE
    except MissingExtra as error:
        say(f"soyte {args.command}: {error}")
        return EXIT_MISSING_EXTRA
    except sqlite3.DatabaseError as error:  # damage found while reading, past the open
        name = getattr(args, "path", None) or getattr(args, "db", None) or "FILE"  # `soyte serve PATH`, --db
        say(f"soyte {args.command}: the archive {'' if name == 'FILE' else name + ' '}cannot be read ({error}); "
            f"what it holds may be damaged: check it with `sqlite3 {name} 'PRAGMA integrity_check'`")
        return EXIT_STORAGE
    except BrokenPipeError:
        # The reader stopped early (`soyte search … | head -1`): not an error. Point stdout at
        # /dev/null so that Python's flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
