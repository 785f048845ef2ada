"""`scrapy crawl <portal>`, as scrapyd runs it: Scrapy's own command, exiting as `soyte crawl` does.

The crawl-run extension (scraper/crawl/run.py) records the run; this only turns how it ended into
the process's exit status (0 completed, 1 alarm or failed, 2 a setting refused (scraper/crawl/setting_rules.py),
3 another crawl holds the archive, 4 the archive cannot be written, 130/143 stopped by SIGINT/SIGTERM),
which scrapyd's log and the job's process status carry.
"""
from __future__ import annotations

import argparse
import logging

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler

from scraper.crawl.run import CrawlRuns, exit_status
from scraper.crawl.setting_rules import settings_problem
from scraper.model import EXIT_USAGE


class Command(ScrapyCrawl):
    def __init__(self) -> None:
        super().__init__()
        self.runs = CrawlRuns()  # the job's crawl run, handed to its crawler; how it ended is read from it

    def job_crawler(self, name: str) -> Crawler:
        """The crawler of the job's portal, handed the job's crawl runs before it starts."""
        crawler = self.crawler_process.create_crawler(name)
        self.runs.hand_to(crawler)
        return crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # The crawl-run extension checks them too, but a job whose -s removed the extension itself
        # (EXTENSIONS={}) would run unchecked, unlocked and unrecorded: refused here first.
        problem = settings_problem(self.settings)
        if problem:
            logging.getLogger("soyte").error("%s (exit status %s)", problem, EXIT_USAGE)
            self.exitcode = EXIT_USAGE
            return
        try:
            if len(args) == 1:  # else ScrapyCrawl.run refuses the command line, as it always has
                # ScrapyCrawl.run hands it to CrawlerProcess.crawl, which takes a crawler as well as a name.
                args = [self.job_crawler(args[0])]
            super().run(args, opts)
        except KeyError as error:  # no such portal, or its layout does not load: one line, not a traceback
            logging.getLogger("soyte").error("%s (exit status %s)", str(error).strip("'\""), EXIT_USAGE)
            self.exitcode = EXIT_USAGE
            return
        session = self.runs.session(self.settings.get("SOYTE_DB"))
        status = exit_status(session, self.runs.interrupted_by)
        if session is not None and session.blocked:
            logging.getLogger("soyte").error("%s (exit status %s)", session.blocked, status)
        self.exitcode = status or self.exitcode
