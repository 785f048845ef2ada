"""Operating commands: scheduling the crawl."""
from __future__ import annotations

import argparse
import sys

from scraper.cli import EXIT_OK, command


def schedule_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--print", dest="kind", choices=("cron", "systemd"), required=True,
                        help="what to print: a crontab line, or systemd service and timer units")
    parser.add_argument("--every", type=int, default=6, metavar="HOURS", help="hours between crawls (default 6)")


@command("schedule", "Print a ready-to-install cron line or systemd units that crawl into the archive.",
         "soyte schedule --print systemd --db /srv/soyte/archive.db", schedule_arguments)
def cmd_schedule(args: argparse.Namespace) -> int:
    from scraper.schedule import cron, systemd

    sys.stdout.write(cron(args.db, args.every) if args.kind == "cron" else systemd(args.db, args.every))
    return EXIT_OK
