"""Reproducible training of the `nli` stance cross-encoder (data loading, hard neutrals, fit)."""
