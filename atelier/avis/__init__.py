"""The droit de suite: the citizens' avis, the commanditaire's answer to each proposal, and the
public record (issue 11). Pure rules here; persistence in ``services/avis.py``."""
