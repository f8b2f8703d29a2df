"""Use cases on the database: each takes a session (one transaction) and keyword arguments."""
