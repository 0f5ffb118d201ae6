"""Tzer-style coverage-guided fuzzing of IR and pass pipelines. Empty until the fuzzing issue."""
