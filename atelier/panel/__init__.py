"""Recruitment's lottery: quotas, a fair distribution over panels (MAXIMIN, after Flanigan et al.,
Nature 2021), a draw anyone can re-run, and infeasible quotas explained by their smallest fix."""
