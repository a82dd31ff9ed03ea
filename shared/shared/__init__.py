"""Plumbing shared by the Tadamon services."""
