"""One spider per portal layout; provinces that share a layout share its spider."""
