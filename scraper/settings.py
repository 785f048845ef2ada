"""Scrapy settings the project changes, each with its reason. Everything else is Scrapy's default."""

BOT_NAME = "soyte"
# One spider serves every portal; the loader makes one per portal of the registry that has a layout.
SPIDER_LOADER_CLASS = "spiders.loader.PortalSpiderLoader"

# Name the project and a contact, so portal administrators know who is crawling and why.
USER_AGENT = "soyte-archiver/0.1 (+https://github.com/soyte-archive/soyte; public-health news archive)"

# Politeness: these are small government servers.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 0.5
CONCURRENT_REQUESTS_PER_DOMAIN = 2

# Old CMSs answer 5xx under load and time out; try again (Scrapy retries with its own backoff
# through AutoThrottle's latency tracking). 404 is final and is recorded, not retried.
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_TIMEOUT = 30

# An article page is never this large; a bigger body is a mistake or an attack (gzip bomb).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024

ITEM_PIPELINES = {"scraper.pipelines.ArchivePipeline": 300,
                  "scraper.document_pipeline.DocumentPipeline": 310,  # after the article is stored
                  "scraper.image_pipeline.ImagePipeline": 320}
# A callback yields a handful of items and the pipeline writes them one at a time anyway; Scrapy's
# default of 100 starts 100 asyncio tasks per response (bench/crawl.py: 1.2× pages/s with 1).
CONCURRENT_ITEMS = 1

LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"

# Retries wait longer each time (1 s, 2 s, 4 s … at most 60 s): a struggling server gets air.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scraper.middlewares.BackoffRetryMiddleware": 550,
    "scraper.middlewares.RedirectGuardMiddleware": 650,  # sees 3xx before RedirectMiddleware (600)
}
# `scrapy crawl` exits as `soyte crawl` does (scraper/commands/crawl.py).
COMMANDS_MODULE = "scraper.commands"
# The crawl run around the spiders: lock, run row, frontier, the run's end (scraper/crawl/run.py);
# before the progress log, which reads what it sets up.
EXTENSIONS = {"scraper.crawl.run.CrawlRun": 100, "scraper.crawl.progress.ProgressLog": 500}

# Scrapy's HTTP/1.1 handler, which sends requests to the replay server when SOYTE_REPLAY_URL is set.
DOWNLOAD_HANDLERS = {"http": "scraper.middlewares.ReplayDownloadHandler",
                     "https": "scraper.middlewares.ReplayDownloadHandler"}

# The project's own settings.
SOYTE_RETRY_BACKOFF = 1.0        # seconds before the first retry; doubles each retry
SOYTE_RETRY_BACKOFF_MAX = 60.0
SOYTE_PROGRESS_INTERVAL = 30.0   # seconds between progress lines per portal
SOYTE_PROGRESS_PAGES = 0         # also a progress line per portal every this many pages (0: no)
SOYTE_REVISIT_DAYS = 30.0        # archived articles older than this are fetched again (conditionally)
SOYTE_MAX_FAILURE_SHARE = 0.2    # more article pages than this failing extraction raises the alarm
SOYTE_DB = "archive.db"          # the archive file the pipeline writes
SOYTE_PORTALS = []               # the portals of this process's run (set by `soyte crawl`; else the spider's)
SOYTE_LOCK_WAIT = 0.0            # seconds to wait for another crawl of the archive to end (0: refuse, exit 3)
SOYTE_COMMIT_WINDOW = 0.25       # seconds of writes grouped in one commit (0: a commit per write); a kill -9 loses them
SOYTE_CRAWL_RUN = True           # False: the pipeline records a run of its own, nothing is locked (benchmarks)
SOYTE_RUN_ID = None              # with SOYTE_CRAWL_RUN off: the run to write under (else the pipeline starts one)
SOYTE_REPLAY_URL = None          # e.g. http://127.0.0.1:8123: route the real hosts to the replay server
SOYTE_DOCUMENT_MAXSIZE = 50 * 1024 * 1024  # an attachment larger than this is recorded as skipped, not stored
# Reading a new file's text, in a child process (scraper/crawl/document_reader.py): a small file can be made
# to unpack into gigabytes or to take minutes; past these it is stored with text_status timeout or too-large.
SOYTE_DOCUMENT_TEXT_TIMEOUT = 30.0               # seconds per file
SOYTE_DOCUMENT_TEXT_MEMORY = 512 * 1024 * 1024   # bytes of address space for the reader
SOYTE_DOCUMENT_TEXT_MAXCHARS = 5_000_000         # characters of text kept (the first ones; the rest cut)
SOYTE_WITH_IMAGES = True         # archive the articles' images too (`soyte crawl --no-images`; a portal's `images = false`)
SOYTE_IMAGE_MAXSIZE = 10 * 1024 * 1024  # an image larger than this is recorded as skipped, not stored
