"""Suite-wide test settings."""

import os

from hypothesis import HealthCheck, settings

# The machine is shared and noisy: wall-clock deadlines would make property
# tests flaky without finding bugs. Set DAGABAAZ_HYPOTHESIS=thorough for a
# longer local run.
settings.register_profile(
    "default",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("DAGABAAZ_HYPOTHESIS", "default"))
