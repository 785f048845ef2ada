"""Operating commands: scheduling the crawl."""
from __future__ import annotations

import argparse
import sys

from scraper.cli.common import command
from scraper.model import EXIT_OK


def schedule_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--print", dest="kind", choices=("cron", "systemd", "scrapyd"), required=True,
                        help="what to print: a crontab line, systemd service and timer units, or the scrapyd "
                             "schedule calls of every active portal")
    parser.add_argument("--node", action="append", default=[], metavar="URL",
                        help="with --print scrapyd: a scrapyd node (repeat to split the portals between nodes; "
                             "default http://localhost:6800)")
    parser.add_argument("--every", type=int, default=6, metavar="HOURS", help="hours between crawls (default 6)")


@command("schedule", "Print a ready-to-install cron line, systemd units or scrapyd calls that crawl into the archive.",
         "soyte schedule --print systemd --db /srv/soyte/archive.db", schedule_arguments)
def cmd_schedule(args: argparse.Namespace) -> int:
    from scraper.portals.registry import load_portals
    from scraper.crawl.schedule import cron, scrapyd, systemd

    if args.kind == "scrapyd":
        active = [portal.key for portal in load_portals().values() if portal.active]
        sys.stdout.write(scrapyd(args.db, active, nodes=args.node or None))
    else:
        sys.stdout.write(cron(args.db, args.every) if args.kind == "cron" else systemd(args.db, args.every))
    return EXIT_OK
