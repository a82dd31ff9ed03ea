"""The marketplace service."""
