"""The recommendations service."""
