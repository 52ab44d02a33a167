"""``python -m dagabaaz``: the same command line as the ``dagabaaz`` script."""

from dagabaaz.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
