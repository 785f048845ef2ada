"""`soyte export --images DIR`: the archived images of the articles, as files, with a manifest."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

from scraper.cli.common import UsageError, open_archive, say
from scraper.model import EXIT_OK


def images_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--images", metavar="DIR", help="instead, write the archived images into DIR (named by "
                        "SHA-256) with manifest.jsonl (their URLs, articles and captions); --portal applies, "
                        "--format, -o and --since are refused; DIR must be new, empty or an earlier images export")


def export_images_to(args: argparse.Namespace, foreign_folder: Callable[[Path], bool]) -> int:
    """Each stored image once, as `soyte export --documents DIR` writes documents: never outside
    DIR, never through a symbolic link, never into a folder that is not an earlier images export
    (`foreign_folder`: the documents export's own rule, handed over by scraper/cli/browse.py)."""
    from archive.export import UnsafeEntry
    from archive.images_export import export_images

    given = [option for option, value in (("--format", args.format), ("-o", args.output), ("--since", args.since),
                                          ("--documents", args.documents)) if value is not None]
    if given:
        raise UsageError(f"{', '.join(given)} {'does' if len(given) == 1 else 'do'} not apply to --images DIR, "
                         "which writes every stored image into DIR (only --portal selects): leave "
                         f"{'it' if len(given) == 1 else 'them'} out")
    if foreign_folder(Path(args.images)):
        raise UsageError(f"{args.images} is not empty and is not an earlier images export (no manifest.jsonl "
                         "there): pass a new or empty directory, e.g. --images images/")
    archive = open_archive(args.db, readonly=True)
    try:
        count = export_images(archive.conn, Path(args.images), args.portal)
    except UnsafeEntry as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(f"cannot write the images into {args.images} ({error.strerror}): "
                         "pass a directory you can write to") from None
    finally:
        archive.close()
    say(f"exported {count} images from {args.db} into {args.images} (manifest.jsonl lists them)")
    return EXIT_OK
