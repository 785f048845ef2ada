"""Every setting soyte reads or relies on, with the type and range a crawl run can live with, and why.

A value that reads as the right type can still break a run unattended: `DOWNLOAD_DELAY=1e400`
(infinity) sends no request and sleeps through SIGTERM, `CONCURRENT_REQUESTS=-5` or
`ITEM_PIPELINES={}` "complete" having stored nothing, `SOYTE_COMMIT_WINDOW=nan` never commits.
`RULES` is the one table of them; `setting_problem` checks one `soyte crawl --set NAME=VALUE`
before anything runs, `settings_problem` every rule against the settings a crawler was given (a
scrapyd job's `scrapy crawl -s …`), which the `crawl` command and the crawl-run extension refuse
with one line and exit 2. Scrapy's other settings keep only the check of their default's type.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from scrapy.settings import BaseSettings

HOUR = 3600.0
GIB = 1 << 30
ARCHIVE_PIPELINE = "scraper.pipelines.ArchivePipeline"
DOCUMENT_PIPELINE = "scraper.document_pipeline.DocumentPipeline"
CRAWL_RUN_EXTENSION = "scraper.crawl.run.CrawlRun"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Rule:
    """What a setting must be: its type, its bounds (inclusive; `above` exclusive), and why."""

    kind: type
    low: float | None = None
    high: float | None = None
    why: str = ""
    above: float | None = None            # strictly greater than this
    none: bool = False                    # unset (None) is allowed
    choices: tuple[str, ...] = ()         # for a str: one of these
    starts: tuple[str, ...] = ()          # for a str: it starts with one of these
    filled: bool = False                  # for a str: not empty
    needs: tuple[str, ...] = ()           # for a dict of components: these must be in it, in this order
    items: tuple[float, float] | None = None  # for a list: each item an int within these bounds


RULES: dict[str, Rule] = {
    # Politeness and throughput (Scrapy's settings, scraper/settings.py).
    "DOWNLOAD_DELAY": Rule(float, 0, HOUR, "seconds between requests to a host; over an hour the crawl "
                           "sends nothing and sleeps through SIGTERM"),
    "AUTOTHROTTLE_ENABLED": Rule(bool),
    "AUTOTHROTTLE_START_DELAY": Rule(float, 0, HOUR, "AutoThrottle's first delay, in seconds"),
    "AUTOTHROTTLE_MAX_DELAY": Rule(float, 0, HOUR, "AutoThrottle's longest delay, in seconds"),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": Rule(float, None, 100, "requests in flight per host AutoThrottle "
                                            "aims at", above=0),
    "CONCURRENT_REQUESTS": Rule(int, 1, 1000, "requests in flight; under 1 nothing is ever sent"),
    "CONCURRENT_REQUESTS_PER_DOMAIN": Rule(int, 1, 100, "requests in flight per host; under 1 nothing "
                                           "is ever sent"),
    "CONCURRENT_REQUESTS_PER_IP": Rule(int, 0, 100, "requests in flight per address (0: per host instead)"),
    "CONCURRENT_ITEMS": Rule(int, 1, 1000, "items a response's callback has written at once"),
    "ROBOTSTXT_OBEY": Rule(bool),
    "RETRY_ENABLED": Rule(bool),
    "RETRY_TIMES": Rule(int, 0, 20, "tries after the first; each waits twice as long as the last"),
    "RETRY_HTTP_CODES": Rule(list, why="HTTP statuses retried", items=(100, 599)),
    "DOWNLOAD_TIMEOUT": Rule(float, None, HOUR, "seconds a request may take", above=0),
    "DOWNLOAD_MAXSIZE": Rule(int, 1, GIB, "bytes of a page; 0 would switch the cap off and let a gzip "
                             "bomb fill the memory"),
    "DOWNLOAD_WARNSIZE": Rule(int, 0, GIB, "bytes of a page over which Scrapy warns (0: never)"),
    "LOG_LEVEL": Rule(str, choices=LOG_LEVELS),
    # What makes a crawl an archive's: without them it fetches and stores nothing, or no run.
    "ITEM_PIPELINES": Rule(dict, why="the archive pipeline stores pages, articles and failures, the "
                           "document pipeline the attached files", needs=(ARCHIVE_PIPELINE, DOCUMENT_PIPELINE)),
    "EXTENSIONS": Rule(dict, why="the crawl-run extension holds the archive's lock and records the run",
                       needs=(CRAWL_RUN_EXTENSION,)),
    # soyte's own (scraper/settings.py).
    "SOYTE_DB": Rule(str, why="the archive's path", filled=True),
    "SOYTE_PORTALS": Rule(list),
    "SOYTE_REPLAY_URL": Rule(str, none=True, why="a replay server's http:// URL", starts=("http://", "https://")),
    "SOYTE_RETRY_BACKOFF": Rule(float, 0, HOUR, "seconds before the first retry"),
    "SOYTE_RETRY_BACKOFF_MAX": Rule(float, 0, HOUR, "the longest wait before a retry, in seconds"),
    "SOYTE_PROGRESS_INTERVAL": Rule(float, 0, 24 * HOUR, "seconds between progress lines (0: none)"),
    "SOYTE_PROGRESS_PAGES": Rule(int, 0, 10**9, "pages between progress lines (0: none)"),
    "SOYTE_REVISIT_DAYS": Rule(float, 0, 36500, "days before an archived article is fetched again "
                               "(0: every run)"),
    "SOYTE_MAX_FAILURE_SHARE": Rule(float, 0, 1, "the share of a portal's article pages failing extraction "
                                    "that raises the alarm"),
    "SOYTE_LOCK_WAIT": Rule(float, 0, 24 * HOUR, "seconds to wait for another crawl of the archive"),
    "SOYTE_COMMIT_WINDOW": Rule(float, 0, HOUR, "seconds of writes grouped in one commit, which a kill -9 "
                                "loses"),
    "SOYTE_CRAWL_RUN": Rule(bool),
    "SOYTE_RUN_ID": Rule(int, 1, None, "the crawl run to write under", none=True),
    "SOYTE_DOCUMENT_MAXSIZE": Rule(int, 1, GIB, "bytes of an attached file; 0 would switch the cap off"),
    "SOYTE_DOCUMENT_TEXT_TIMEOUT": Rule(float, None, HOUR, "seconds one file's text may take to read",
                                        above=0),
    "SOYTE_DOCUMENT_TEXT_MEMORY": Rule(int, 64 * 2**20, 64 * GIB, "bytes of memory the text reader may use"),
    "SOYTE_DOCUMENT_TEXT_MAXCHARS": Rule(int, 1, 10**9, "characters of a file's text kept"),
    "SOYTE_WITH_IMAGES": Rule(bool),
    "SOYTE_IMAGE_MAXSIZE": Rule(int, 1, GIB, "bytes of an article's image; 0 would switch the cap off"),
}

GETTERS = {bool: "getbool", int: "getint", float: "getfloat", list: "getlist", tuple: "getlist", dict: "getdict"}
KIND_WORDS = {bool: "true or false", int: "a whole number", float: "a number", list: "a list (items separated by commas)",
              tuple: "a list (items separated by commas)", dict: "a JSON object", str: "text"}


def known_settings() -> dict[str, object]:
    """Scrapy's settings and soyte's, with their defaults."""
    from scrapy.settings import default_settings

    from scraper import settings as soyte_settings

    return {name: value for module in (default_settings, soyte_settings)
            for name, value in vars(module).items() if name.isupper()}


def setting_problem(name: str, value: str) -> str | None:
    """Why `soyte crawl --set NAME=VALUE` would break the crawl, checked before any run is recorded.

    A name that is neither Scrapy's nor soyte's is a typo more often than a custom setting; the value
    must read as the type of the setting's default, and be within its rule's range.
    """
    known = known_settings()
    if name not in known:
        return f"unknown setting {name}: not one of Scrapy's or soyte's (see scraper/settings.py)"
    rule = RULES.get(name) or default_rule(known[name])
    if rule is None:
        return None
    return rule_problem(name, rule, BaseSettings({name: value}), known[name])


def default_rule(default: object) -> Rule | None:
    """A setting outside RULES: its default's type, and a finite number for a float."""
    kind = type(default)
    return Rule(kind) if kind in GETTERS else None


def settings_problem(settings: BaseSettings) -> str | None:
    """The first setting, among RULES, that a crawler was given and a crawl run cannot live with."""
    known = known_settings()
    for name, rule in RULES.items():
        problem = rule_problem(name, rule, settings, known.get(name))
        if problem:
            return problem
    return None


def rule_problem(name: str, rule: Rule, settings: BaseSettings, default: object) -> str | None:
    """Why the value of `name` in `settings` breaks `rule`, in one line, or None."""
    value = settings.get(name)
    if value is None and (rule.none or default is None):
        return None
    if rule.kind is dict:
        return components_problem(name, rule, settings)
    try:
        read = getattr(settings, GETTERS[rule.kind])(name) if rule.kind in GETTERS else value
        if rule.kind is list and rule.items:
            read = [int(item) for item in read]
    except (ValueError, TypeError):
        if rule.items:
            return (f"setting {name} wants {rule.why} from {rule.items[0]} to {rule.items[1]}, separated by commas "
                    f"(default {','.join(map(str, default or []))}), not {value!r}")
        return f"setting {name} wants {KIND_WORDS.get(rule.kind, rule.kind.__name__)} (default {default!r}), not {value!r}"
    if rule.kind is str:
        return text_problem(name, rule, str(read))
    if rule.kind is list:
        return items_problem(name, rule, read)
    if rule.kind in (int, float):
        return number_problem(name, rule, read, value)
    return None


def number_problem(name: str, rule: Rule, read: float, given: object) -> str | None:
    """A number must be finite and within the rule's bounds."""
    if isinstance(read, float) and not math.isfinite(read):
        return f"setting {name} wants a finite number, not {given!r}"
    out_low = (rule.low is not None and read < rule.low) or (rule.above is not None and read <= rule.above)
    out_high = rule.high is not None and read > rule.high
    if not (out_low or out_high):
        return None
    return f"setting {name} wants {bounds(rule)}, not {given!r}" + (f" ({rule.why})" if rule.why else "")


def bounds(rule: Rule) -> str:
    """'a number from 0 to 3600', 'a number over 0 and at most 3600', 'a number of at least 1'."""
    low, high = shown(rule.low), shown(rule.high)
    if rule.above is not None:
        return f"a number over {shown(rule.above)}" + (f" and at most {high}" if rule.high is not None else "")
    if rule.high is None:
        return f"a number of at least {low}"
    return f"a number from {low} to {high}" if rule.low is not None else f"a number up to {high}"


def shown(number: float | None) -> str:
    """A bound as a person reads it: 3600, 0.25, 1,073,741,824."""
    if number is None:
        return ""
    return f"{number:,.0f}" if float(number).is_integer() else f"{number:g}"


def text_problem(name: str, rule: Rule, text: str) -> str | None:
    """Text must be one of the rule's choices (as written: logging knows DEBUG, not debug), start as
    it says, and not be empty when it names something."""
    if rule.choices and text not in rule.choices:
        return f"setting {name} wants one of {', '.join(rule.choices)}, not {text!r}"
    if rule.filled and not text.strip():
        return f"setting {name} wants {rule.why}, not an empty one"
    if rule.starts and text and not text.startswith(rule.starts):
        return f"setting {name} wants {rule.why}, not {text!r}"
    return None


def items_problem(name: str, rule: Rule, items: list) -> str | None:
    """Each item of a list of numbers (HTTP statuses) within the rule's bounds."""
    if rule.items and any(not rule.items[0] <= item <= rule.items[1] for item in items):
        return (f"setting {name} wants {rule.why} from {rule.items[0]} to {rule.items[1]}, separated by commas, "
                f"not {','.join(map(str, items))!r}")
    return None


def components_problem(name: str, rule: Rule, settings: BaseSettings) -> str | None:
    """A dict of components (pipelines, extensions) must keep the ones soyte needs, in order."""
    try:
        found = settings.getwithbase(name)
        order = {path_of(component): number for component, number in found.items() if number is not None}
    except (ValueError, TypeError) as error:
        return f"setting {name} wants a dict of components and their order, not {settings.get(name)!r} ({error})"
    missing = [component for component in rule.needs if component not in order]
    if missing:
        return f"setting {name} must keep {', '.join(missing)} ({rule.why})"
    numbers = [order[component] for component in rule.needs]
    if numbers != sorted(numbers):
        return f"setting {name} must run {' before '.join(rule.needs)} ({rule.why})"
    return None


def path_of(component: object) -> str:
    """A component as Scrapy names it: its import path, whether given as a string or a class."""
    if isinstance(component, str):
        return component
    return f"{component.__module__}.{component.__qualname__}"
