"""`scrapy crawl <portal>`, as scrapyd runs it: Scrapy's own command, exiting as `soyte crawl` does.

The crawl-run extension (scraper/crawl/run.py) records the run; this only turns how it ended into
the process's exit status (0 completed, 1 alarm or failed, 2 a setting refused (scraper/crawl/setting_rules.py),
3 another crawl holds the archive, 4 the archive cannot be written, 130/143 stopped by SIGINT/SIGTERM),
which scrapyd's log and the job's process status carry.
"""
from __future__ import annotations

import argparse
import logging
import os

from scrapy.commands.crawl import Command as ScrapyCrawl

from scraper.crawl import run as crawlrun
from scraper.crawl.setting_rules import settings_problem


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        crawlrun.forget()
        # The crawl-run extension checks them too, but a job whose -s removed the extension itself
        # (EXTENSIONS={}) would run unchecked, unlocked and unrecorded: refused here first.
        problem = settings_problem(self.settings)
        if problem:
            logging.getLogger("soyte").error("%s (exit status %s)", problem, crawlrun.EXIT_USAGE)
            self.exitcode = crawlrun.EXIT_USAGE
            return
        try:
            super().run(args, opts)
        except KeyError as error:  # no such portal, or its layout does not load: one line, not a traceback
            logging.getLogger("soyte").error("%s (exit status %s)", str(error).strip("'\""), crawlrun.EXIT_USAGE)
            self.exitcode = crawlrun.EXIT_USAGE
            return
        session = crawlrun.SESSIONS.get(os.path.realpath(self.settings.get("SOYTE_DB")))
        status = crawlrun.exit_status(session)
        if session is not None and session.blocked:
            logging.getLogger("soyte").error("%s (exit status %s)", session.blocked, status)
        self.exitcode = status or self.exitcode
