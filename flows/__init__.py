"""Prefect flows: one per stage of the atelier citoyen, and the lifecycle that runs them in order."""
