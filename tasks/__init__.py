"""Prefect tasks: each does one thing on the database through ``atelier.engine``."""
