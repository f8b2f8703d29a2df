"""The lifecycle's units of work: each a Prefect task with one side effect on the database (reads
are plain calls, in ``atelier/stages.py``). ``flows/lifecycle.py`` runs them as tasks in the
product, or calls their ``fn`` where a test wants speed without a Prefect server."""
