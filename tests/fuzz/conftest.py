"""Hypothesis settings for the fuzz tests: bounded examples and a per-example deadline, so
the whole folder stays under a few seconds and a hang shows up as a deadline failure."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "fuzz",
    max_examples=150,
    deadline=1000,  # ms per example: far above any sane parse, far below a hang
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: a failure is reproducible, CI stable
)
FUZZ = settings.get_profile("fuzz")
