"""Reading the archive: `soyte serve` (Datasette with the project's metadata) and `soyte export`."""
from __future__ import annotations

import argparse
import os
import socket
import sys
from datetime import date
from pathlib import Path

from scraper.cli.common import (ArchiveUnusable, UsageError, command, open_archive, output_file, port_number,
                                 require_extra, say)
from scraper.cli.images import export_images_to, images_argument
from scraper.model import EXIT_OK, EXIT_STORAGE


def serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", metavar="PATH", help="the archive file (default: --db, ./archive.db)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=port_number, default=8001, help="port to listen on (default 8001)")
    parser.add_argument("--lang", choices=("en", "vi"), help="the pages' language: en (English) or vi (tiếng Việt); "
                        "default: vi where the locale says so (LANG=vi_VN.UTF-8), else en")


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise UsageError(f"cannot listen on {host}:{port} ({error.strerror}): pass another --port") from None


def check_readable(path: str) -> bool:
    """Refuse, before Datasette starts, an archive it could only answer with errors; returns whether
    Datasette must open it immutable (it is on read-only storage).

    Brings an older archive's schema up to date where the file is writable; reads the newest
    articles, what the first page shows (a full check would read the whole file).
    """
    try:
        archive = open_archive(path)
    except ArchiveUnusable:
        archive = open_archive(path, readonly=True)
    try:
        archive.conn.execute("SELECT * FROM articles ORDER BY published DESC LIMIT 20").fetchall()
    finally:
        archive.close()
    return archive.immutable


@command("serve", "Browse and search the archive in Datasette, with its descriptions, facets, queries and article pages.",
         "soyte serve archive.db --port 8001", serve_arguments)
def cmd_serve(args: argparse.Namespace) -> int:
    from archive.datasette import database_name, serve
    from archive.datasette.language import locale_language

    path = args.path or args.db
    lang = args.lang or locale_language()
    immutable = check_readable(path)
    check_port_free(args.host, args.port)
    say(f"serving {path} at http://{args.host}:{args.port}/{database_name(path)}/articles (Ctrl-C stops)"
        + ("; on read-only storage, served as it is (immutable)" if immutable else ""))
    serve(path, args.host, args.port, immutable, lang)
    return EXIT_OK


def export_arguments(parser: argparse.ArgumentParser) -> None:
    from archive.export import FORMATS
    from archive.parquet import PARQUET
    from scraper.cli.warc import WARC_FORMATS

    parser.add_argument("--format", choices=FORMATS + (PARQUET,) + WARC_FORMATS,  # None: not given (refused with --documents)
                        help="jsonl: one JSON record a line (default); csv: images and attachments as JSON text; "
                             "parquet: typed columns, images and attachments as lists (-o FILE.parquet; needs "
                             "pip install 'soyte[parquet]'); "
                             "warc / wacz: the stored raw pages as WARC/1.1 records (soyte export --format warc > "
                             "pages.warc.gz) or a WACZ package (-o FILE.wacz)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout, in any format "
                        "(written as FILE.part, renamed once complete); wacz needs it")
    parser.add_argument("--excel", action="store_true", help="with --format csv: UTF-8 with a byte order mark, "
                        "which Excel needs to show Vietnamese letters right")
    parser.add_argument("--portal", metavar="KEY", help="only this portal's articles")
    parser.add_argument("--since", metavar="DATE", help="only articles published on or after DATE (YYYY-MM-DD, at +07:00)")
    parser.add_argument("--one-per-story", action="store_true", help="one record per story (republished and "
                        "syndicated copies grouped): the earliest selected copy, with the other copies' URLs in `copies`")
    parser.add_argument("--documents", metavar="DIR", help="instead, write the archived attachments into DIR "
                        "(named by SHA-256, text beside them) with manifest.jsonl; --portal applies, --format, -o "
                        "and --since are refused; DIR must be new, empty or an earlier documents export")
    images_argument(parser)  # --images DIR (scraper/cli/images.py)


@command("export", "Write the archived articles to stdout (or -o FILE) as JSON lines or CSV, newest first, for corpus "
         "building.",
         "soyte export --format jsonl --portal bacninh --since 2020-01-01 > bacninh.jsonl", export_arguments)
def cmd_export(args: argparse.Namespace) -> int:
    from archive.export import export, portals
    from archive.parquet import PARQUET
    from scraper.cli.warc import WARC_FORMATS, export_pages

    if args.one_per_story and (args.documents or args.format in WARC_FORMATS):
        raise UsageError("--one-per-story selects articles: it does not apply to --documents DIR or to the raw "
                         "pages of --format warc/wacz; leave it out")
    if args.images:
        return export_images_to(args, foreign_folder)
    if args.documents:
        return export_documents_to(args)
    args.format = args.format or "jsonl"
    check_table_options(args)
    if args.output and Path(args.output).resolve() == Path(args.db).resolve():
        raise UsageError(f"-o {args.output} is the archive itself: name another file")
    if args.format in WARC_FORMATS:
        return export_pages(args)
    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            raise UsageError(f"--since wants a date such as 2020-01-31, not {args.since!r}") from None
    archive = open_archive(args.db, readonly=True)
    try:
        if args.portal and args.portal not in (known := portals(archive.conn)):
            raise UsageError(f"no articles from portal {args.portal!r} in {args.db}; "
                             f"portals in the archive: {', '.join(known) or 'none'}")
        if args.format == PARQUET:
            return export_parquet_to(archive.conn, args, since)
        if args.output:
            try:
                with output_file(Path(args.output)) as part:
                    # newline="": the bytes stdout would get (csv ends its rows with \r\n itself)
                    with part.open("w", encoding="utf-8", newline="") as out:
                        out.write(EXCEL_BOM if args.excel else "")
                        count = export(archive.conn, out, args.format, args.portal, since, args.one_per_story)
            except OSError as error:
                say(f"soyte export: cannot write {args.output}: {error}")
                return EXIT_STORAGE
        else:
            if sys.stdout.encoding.lower().replace("-", "") != "utf8":
                sys.stdout.reconfigure(encoding="utf-8")
            try:
                sys.stdout.write(EXCEL_BOM if args.excel else "")
                count = export(archive.conn, sys.stdout, args.format, args.portal, since, args.one_per_story)
                sys.stdout.flush()
            except BrokenPipeError:
                # The reader stopped early (`soyte export | head`): that is not an error.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return EXIT_OK
    finally:
        archive.close()
    say(f"exported {count} articles from {args.db}" + (f" into {args.output}" if args.output else ""))
    return EXIT_OK


EXCEL_BOM = "\ufeff"  # U+FEFF first: Excel then reads the CSV as UTF-8, not in the computer's code page


def check_table_options(args: argparse.Namespace) -> None:
    """Refuse, before anything is read, --excel without csv and a parquet export it cannot make:
    without -o (Parquet is a file, not a stream), with --one-per-story, or without pyarrow (exit 5)."""
    from archive.parquet import PARQUET

    if args.excel and args.format != "csv":
        raise UsageError(f"--excel applies to --format csv (a byte order mark for Excel), not {args.format}: "
                         "add --format csv or leave --excel out")
    if args.format != PARQUET:
        return
    if not args.output:
        raise UsageError("--format parquet writes a file: add -o FILE.parquet")
    if getattr(args, "one_per_story", False):
        raise UsageError("--one-per-story is for jsonl and csv; leave it out with --format parquet")
    require_extra("parquet", "pyarrow", "soyte export --format parquet")


def export_parquet_to(conn, args: argparse.Namespace, since) -> int:
    """`soyte export --format parquet -o FILE`: written as FILE.part, renamed once complete."""
    from archive.export import records
    from archive.parquet import write_parquet

    try:
        with output_file(Path(args.output)) as part:
            count = write_parquet(records(conn, args.portal, since), part)
    except OSError as error:
        say(f"soyte export: cannot write {args.output}: {error}")
        return EXIT_STORAGE
    say(f"exported {count} articles from {args.db} into {args.output}")
    return EXIT_OK


def export_documents_to(args: argparse.Namespace) -> int:
    """`soyte export --documents DIR`: the stored files and a manifest, not the articles.

    --format, -o and --since do not apply (the files of every date go into DIR) and are refused
    rather than ignored. DIR must be new, empty or an earlier documents export (it holds
    manifest.jsonl): the export never mixes its files into an unrelated folder (`--documents docs/`
    in a checkout).
    """
    from archive.export import UnsafeEntry, export_documents

    given = [option for option, value in (("--format", args.format), ("-o", args.output), ("--since", args.since))
             if value is not None]
    if given:
        named = ", ".join(given[:-1]) + " and " + given[-1] if len(given) > 1 else given[0]
        raise UsageError(f"{named} {'does' if len(given) == 1 else 'do'} not apply to --documents DIR, "
                         "which writes every stored document into DIR (only --portal selects): leave "
                         f"{'it' if len(given) == 1 else 'them'} out")
    if foreign_folder(Path(args.documents)):
        raise UsageError(f"{args.documents} is not empty and is not an earlier documents export (no manifest.jsonl "
                         "there): pass a new or empty directory, e.g. --documents documents/")
    archive = open_archive(args.db, readonly=True)
    try:
        count = export_documents(archive.conn, Path(args.documents), args.portal)
    except UnsafeEntry as error:  # a symbolic link planted in DIR: never written through
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot write the documents into {args.documents} ({error.strerror}): "
                         "pass a directory you can write to") from None
    finally:
        archive.close()
    say(f"exported {count} documents from {args.db} into {args.documents} (manifest.jsonl lists them)")
    return EXIT_OK


def foreign_folder(directory: Path) -> bool:
    """A directory that holds files and no manifest.jsonl: not somewhere a documents export may write."""
    try:
        return directory.is_dir() and not (directory / "manifest.jsonl").exists() and any(directory.iterdir())
    except OSError:  # unreadable: the export says it cannot write there
        return False
