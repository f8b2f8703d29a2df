"""`atelier demo`: a whole atelier citoyen over simulated months, real parts throughout."""
