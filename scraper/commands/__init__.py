"""Scrapy commands the project changes (COMMANDS_MODULE in scraper/settings.py)."""
