"""Prefect flows: the lifecycle (``lifecycle.py``), which runs the stages its template lists, each as
a flow run of its own (``stage.py``), and its deployments (``deployed.py``)."""
