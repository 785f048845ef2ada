"""`python -m scraper.cli`: the `soyte` command."""
import sys

from scraper.cli.main import main

if __name__ == "__main__":  # imported (pkgutil walks, the install test), it does nothing
    sys.exit(main())
