"""Did-you-mean hints for misspelt names: one rule for every name dagabaaz knows.

The closest candidate is the same name written in another case, else the
nearest by :func:`difflib.get_close_matches` at its default cutoff (0.6),
else none. Node slugs, plugins, pipes, functions, namespaces, file types and
the fields of a pipeline file are all suggested this way.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Suggester", "closest", "did_you_mean", "one_edit_apart"]


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate closest to ``name``, or None when none is close."""
    return Suggester(candidates, budget=None).closest(name)


def one_edit_apart(a: str, b: str) -> bool:
    """Return True when ``a`` and ``b`` differ by exactly one edit.

    An edit is a character added, removed or replaced, or two neighbours
    swapped (``file_tpye`` is one edit from ``file_type``, ``extention``
    from ``extension``). Case counts: ``File_type`` is one edit away too.
    """
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    if len(a) < len(b):  # one character added
        return a[first:] == b[first + 1 :]
    if a[first + 1 :] == b[first + 1 :]:  # one replaced
        return True
    swapped = first + 1 < len(a) and a[first] == b[first + 1] and a[first + 1] == b[first]
    return swapped and a[first + 2 :] == b[first + 2 :]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """Return ``"did you mean 'x'?"`` for the candidate closest to ``name``, or None."""
    return Suggester(candidates, budget=None).hint(name)


class Suggester:
    """Suggest the closest known name, within a budget of lookups.

    Each lookup compares against every candidate, so a pipeline with
    thousands of nodes and thousands of misspellings would be quadratic;
    past ``budget`` lookups hints are simply left out, the diagnostics stay.
    A budget of None means no limit (for short, fixed candidate lists).
    """

    __slots__ = ("_budget", "_by_lower_case", "_candidates", "_source")

    def __init__(self, candidates: Iterable[str], *, budget: int | None = 64) -> None:
        # Sorting waits for the first lookup: validation builds suggesters for
        # every node, and a valid pipeline never asks any of them.
        self._source: Iterable[str] | None = candidates
        self._candidates: list[str] = []
        self._by_lower_case: dict[str, str] = {}
        self._budget = budget

    def _prepare(self) -> None:
        if self._source is not None:
            self._candidates = sorted(set(self._source))
            self._by_lower_case = {candidate.lower(): candidate for candidate in self._candidates}
            self._source = None

    def closest(self, name: str) -> str | None:
        """Return the candidate closest to ``name``, or None (also once the budget is spent)."""
        self._prepare()
        if not self._candidates or self._budget == 0:
            return None
        if self._budget is not None:
            self._budget -= 1
        exact = self._by_lower_case.get(name.lower())
        if exact is not None:
            return exact
        import difflib  # only when a name is misspelt

        close = difflib.get_close_matches(name, self._candidates, n=1)
        return close[0] if close else None

    def hint(self, name: str) -> str | None:
        """Return ``"did you mean 'x'?"`` for the closest candidate, or None."""
        found = self.closest(name)
        return None if found is None else f"did you mean '{found}'?"
