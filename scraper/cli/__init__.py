"""The `soyte` command line: one module per group of commands, registered in scraper/cli/main.py."""
