"""`python -m scraper.cli`: the `soyte` command."""
import sys

from scraper.cli.main import main

sys.exit(main())
