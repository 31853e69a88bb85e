"""Claim extraction: find check-worthy sentences in the store and queue them as claims.

Headless: ``sentences`` → ``worthiness`` → ``decontext`` → ``cluster`` (and optionally
``llm_extract``) → ``pipeline.extract_claims``. Nothing here imports a front end.
"""

from workbench.extract.pipeline import ExtractionReport, extract_claims

__all__ = ["ExtractionReport", "extract_claims"]
