"""The portals: the registry (scraper/portals.toml), site folders of saved pages, capture,
the replay server and the scaffold that adds a portal. Its data stays beside the package:
scraper/portals.toml, scraper/demo_portals/, scraper/templates/ and spiders/layouts/.
"""
