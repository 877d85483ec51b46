"""Pantau's domain: settings, store, ingest, scoring and the worker. No Dash imports here."""

__version__ = "0.1.0"
