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


# --- PostgreSQL ---------------------------------------------------------------
#
# Tests that need the server take the ``postgres_schema`` fixture: a schema of
# their own for the whole session (several suites share the database `test`),
# migrated once and dropped at the end. Where no server is reachable they skip,
# unless DAGABAAZ_REQUIRE_POSTGRES is set (.ci/run sets it): then they fail.

import secrets  # noqa: E402
from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

REQUIRE_POSTGRES = "DAGABAAZ_REQUIRE_POSTGRES"
TEST_DSN = os.environ.get(
    "DAGABAAZ_TEST_DSN", "host=127.0.0.1 port=5432 dbname=test user=postgres connect_timeout=5"
)


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_POSTGRES):
        pytest.fail(f"{reason}, and {REQUIRE_POSTGRES} is set: these tests may not skip")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The test server's connection string; skips (or fails) when there is none."""
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[dev]')")
    try:
        with psycopg.connect(TEST_DSN) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        _unavailable(f"no PostgreSQL server at {TEST_DSN!r}: {str(error).strip()}")
    return TEST_DSN


@pytest.fixture(scope="session")
def postgres_schema(postgres_dsn: str) -> Iterator[str]:
    """A freshly migrated schema (dagabaaz and procrastinate tables) of this session alone."""
    import psycopg

    from dagabaaz.postgres import migrate

    schema = f"dagabaaz_test_{os.getpid()}_{secrets.token_hex(4)}"
    migrate(postgres_dsn, schema, procrastinate=True)
    try:
        yield schema
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
