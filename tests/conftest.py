"""Suite-wide test settings."""

import os

from hypothesis import HealthCheck, settings

# No test may fail at random. Property tests and the state machine are
# derandomized: each draws its examples from a seed derived from the test
# itself, so every run of the suite tries exactly the same examples, and no
# example database carries failures from one run to the next. The machine is
# shared and noisy, so there are no wall-clock deadlines either.
#
# DAGABAAZ_HYPOTHESIS=thorough explores instead: random seeds and 2,000
# examples per test. A failure found that way prints a reproduction blob;
# turn it into an explicit example (@example) so the default run keeps it.
settings.register_profile(
    "default",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    derandomize=False,
    deadline=None,
    max_examples=2000,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("DAGABAAZ_HYPOTHESIS", "default"))
