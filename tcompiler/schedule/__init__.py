"""Operator order and memory planning (the `schedule` stage)."""
