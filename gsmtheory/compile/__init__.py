"""Placeholder; filled by its layer."""
