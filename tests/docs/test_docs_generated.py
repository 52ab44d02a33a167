"""The generated parts of the docs are current, and the generators say what they should."""

from __future__ import annotations

import ast
import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docs_pages import ROOT

from dagabaaz import docgen
from dagabaaz._runtime.syntax import grammar_text
from dagabaaz.docgen._grammar import grammar_reference
from dagabaaz.docgen._pipes import EXAMPLES, PipeExample, pipe_reference
from dagabaaz.expressions import Limits
from dagabaaz.filter import _file_types
from dagabaaz.pipes import DEFAULT_PIPES
from dagabaaz.validation import PIPELINE_CODES

FIX = "run `python -m dagabaaz.docgen` from the repository root and commit the result"


def test_every_generated_part_is_current() -> None:
    stale = [str(page.relative_to(ROOT)) for page, _ in docgen.stale_pages(ROOT)]
    assert not stale, f"out of date: {', '.join(stale)}; {FIX}"


def test_the_parse_tables_are_those_of_the_grammar() -> None:
    stale = [str(path.relative_to(ROOT)) for path, _ in docgen.stale_files(ROOT)]
    assert not stale, f"out of date: {', '.join(stale)}; {FIX}"


def test_the_check_mode_reports_nothing_stale(capsys: pytest.CaptureFixture[str]) -> None:
    assert docgen.main(["--check", "--root", str(ROOT)]) == 0
    assert capsys.readouterr().out == ""


def test_the_docs_generator_runs_as_its_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dagabaaz.docgen", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("what", "page"),
    [
        ("pipe-reference", "docs/expressions/pipes.md"),
        ("grammar", "docs/expressions/grammar.md"),
    ],
    ids=["pipe-reference", "grammar"],
)
def test_the_references_live_on_their_pages(what: str, page: str) -> None:
    regions = docgen.find_regions((ROOT / page).read_text(encoding="utf-8"))
    assert [region.what for region in regions] == [what]


def test_every_picture_of_a_pipeline_is_generated() -> None:
    # A hand-drawn Mermaid picture could drift from the pipeline it shows.
    hand_drawn = []
    for page in docgen.pages(ROOT):
        text = page.read_text(encoding="utf-8")
        generated = "".join(text[r.start : r.end] for r in docgen.find_regions(text))
        drawn = text.count("```mermaid")
        if drawn != generated.count("```mermaid"):
            hand_drawn.append(str(page.relative_to(ROOT)))
    assert not hand_drawn


def test_every_builtin_pipe_has_an_example() -> None:
    names = {entry["name"] for entry in DEFAULT_PIPES.vocabulary()}
    assert set(EXAMPLES) == names


def test_each_pipe_has_a_section_with_its_doc_and_example() -> None:
    reference = pipe_reference()
    for entry in DEFAULT_PIPES.vocabulary():
        section = reference.split(f"\n### `{entry['name']}`\n", 1)[1].split("\n### ", 1)[0]
        assert entry["doc"] in section
        assert f"Example: `{EXAMPLES[entry['name']].expression}`" in section


def test_an_example_shows_what_the_expression_returns() -> None:
    pipes = DEFAULT_PIPES.copy()

    @pipes.register("twice")
    def twice(text: str) -> str:
        """Say it twice."""
        return text * 2

    examples = {"twice": PipeExample("{a.b | twice}", {"a.b": "ab"})}
    section = pipe_reference(pipes, examples).split("\n### `twice`\n", 1)[1].split("\n### ")[0]
    assert section == (
        "\n`twice`: pipe, receives the value as text.\n\nSay it twice.\n\n"
        'Example: `{a.b | twice}` with `a.b` = `"ab"` gives `"abab"`.\n'
    )


def test_the_grammar_page_shows_every_definition_of_the_file() -> None:
    grammar = grammar_text()
    defined = re.findall(r"^\??([A-Za-z_]\w*)(?:\.\d+)?\s*:", grammar, re.MULTILINE)
    rendered = grammar_reference(grammar)
    headings = "\n".join(re.findall(r"^### .*$", rendered, re.MULTILINE))
    assert len(defined) >= 10
    assert [name for name in defined if f"`{name}`" not in headings] == []
    # Every line of the file is on the page, in order.
    lines = [line for line in grammar.splitlines() if line.strip()]
    shown = [line for line in rendered.splitlines() if line in lines]
    assert shown == lines


def test_the_grammar_headings_name_rules_and_terminals() -> None:
    rendered = grammar_reference("// intro\n\n// two\na: B\nb: B\n\nB: /x/\n\nC.2: /y/\nD: /z/")
    assert re.findall(r"^### .*$", rendered, re.MULTILINE) == [
        "### `a`, `b` (rules)",
        "### `B` (terminal)",
        "### `C`, `D` (terminals)",
    ]


def test_every_pipeline_code_is_documented_with_its_severity() -> None:
    page = (ROOT / "docs" / "editor" / "codes.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^### `([a-z-]+)` \((error|warning)\)$", page, re.MULTILINE))
    assert documented == {code: info.severity for code, info in PIPELINE_CODES.items()}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- docgen: grammar -->\nno end\n", "page.md:1: '<!-- docgen: ... -->' without"),
        (
            "x\n<!-- docgen: grammar -->\n<!-- docgen: grammar -->\n<!-- /docgen -->\n",
            "page.md:2: '<!-- docgen: ... -->' without",
        ),
        ("<!-- docgen: nonsense -->\n<!-- /docgen -->\n", "page.md:1: unknown generated part"),
        ("<!-- docgen: grammar extra -->\n<!-- /docgen -->\n", "'grammar' takes no argument"),
        ("<!-- docgen: file nowhere.yaml -->\n<!-- /docgen -->\n", "page.md:1: [Errno 2]"),
        (
            "<!-- docgen: dagabaaz graph nowhere.yaml -->\n<!-- /docgen -->\n",
            "page.md:1: dagabaaz graph nowhere.yaml: exit code 2",
        ),
        (
            "<!-- docgen: dagabaaz run a.yaml --plugins p.py --graph x.png -->\n<!-- /docgen -->\n",
            "--graph x.png: use one of",
        ),
        (
            "<!-- docgen: dagabaaz run docs/examples/cascade.yaml -p docs/examples/plugins.py -->\n"
            "<!-- /docgen -->\n",
            "a run shown on a page needs --run-id",
        ),
        (
            "<!-- docgen: dagabaaz check docs/examples/cascade.yaml > a.txt b -->\n"
            "<!-- /docgen -->\n",
            "'> NAME' must end a command",
        ),
    ],
    ids=[
        "unclosed",
        "nested",
        "unknown",
        "argument",
        "missing-file",
        "failing-command",
        "png",
        "run-without-id",
        "redirect-mid-command",
    ],
)
def test_malformed_generated_parts_are_refused(text: str, message: str) -> None:
    with pytest.raises(docgen.DocgenError) as raised:
        docgen.regenerate(text, ROOT, "page.md")
    assert message in str(raised.value)


def test_regenerate_replaces_only_the_generated_body() -> None:
    marker = "<!-- docgen: file docs/examples/passthrough.yaml -->"
    text = f"before\n{marker}\nold\n<!-- /docgen -->\nafter\n"
    fresh = docgen.regenerate(text, ROOT)
    body = (ROOT / "docs/examples/passthrough.yaml").read_text(encoding="utf-8").rstrip()
    assert fresh == f"before\n{marker}\n```yaml\n{body}\n```\n<!-- /docgen -->\nafter\n"
    assert docgen.regenerate(fresh, ROOT) == fresh


def test_a_chain_shows_the_last_command_reading_what_the_first_saved() -> None:
    what = (
        "dagabaaz run docs/examples/cascade.yaml -p docs/examples/plugins.py --json > r.json"
        " && dagabaaz explain r.json bundle"
    )
    text = f"<!-- docgen: {what} -->\n<!-- /docgen -->\n"
    fresh = docgen.regenerate(text, ROOT, "page.md")
    assert fresh.splitlines()[1:3] == [
        "```text",
        "bundle  skipped: the filter on the edge from 'fetch' rejected all 2 artifacts "
        '(file_type eq "archive" rejected 2 ("video", "video"))',
    ]
    assert not (ROOT / "r.json").exists()  # saved in a temporary folder, not the checkout


def test_a_run_shown_as_text_writes_every_duration_the_same() -> None:
    what = "dagabaaz run docs/examples/passthrough.yaml -p docs/examples/plugins.py --run-id r"
    fresh = docgen.regenerate(f"<!-- docgen: {what} -->\n<!-- /docgen -->\n", ROOT)
    durations = re.findall(r"\d+\.\d\d s\b", fresh)
    assert durations and set(durations) == {"0.00 s"}


def test_main_rewrites_stale_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "pipeline.yaml").write_text("- {slug: a, plugin: p}\n", encoding="utf-8")
    page = tmp_path / "docs" / "page.md"
    page.write_text("<!-- docgen: dagabaaz graph pipeline.yaml -->\n<!-- /docgen -->\n")
    assert docgen.main(["--check", "--root", str(tmp_path)]) == 1
    assert capsys.readouterr().out == "docs/page.md: out of date (run python -m dagabaaz.docgen)\n"
    assert docgen.main(["--root", str(tmp_path)]) == 0
    assert page.read_text() == (
        "<!-- docgen: dagabaaz graph pipeline.yaml -->\n"
        '```mermaid\nflowchart TD\n    n0["a<br/>p · single"]\n```\n<!-- /docgen -->\n'
    )
    assert docgen.main(["--check", "--root", str(tmp_path)]) == 0


def test_main_needs_a_docs_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert docgen.main(["--root", str(tmp_path)]) == 2
    assert "no docs/ folder here" in capsys.readouterr().err


def _table_rows(page: str, section: str | None = None) -> dict[str, str]:
    """Map the code-formatted first cell of each table row to its second cell.

    With ``section``, only the rows under that ``## `` heading count.
    """
    text = (ROOT / page).read_text(encoding="utf-8")
    if section is not None:
        text = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_-]+)` \|(.*)$", text, re.MULTILINE)
    return {name: rest.split(" | ", 1)[0].strip() for name, rest in rows}


def test_the_limits_table_shows_the_defaults() -> None:
    documented = _table_rows("docs/expressions/limits.md")
    defaults = {f.name: f"{getattr(Limits(), f.name):,}" for f in dataclasses.fields(Limits)}
    assert documented == defaults


def _codes_in(tree: ast.AST) -> set[str]:
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"[a-z]+(-[a-z]+)+", node.value)
    }


def test_every_expression_code_is_in_the_table() -> None:
    used = set()
    for package in ("expressions", "pipes", "_runtime"):
        for source in (ROOT / "dagabaaz" / package).rglob("*.py"):
            used |= _codes_in(ast.parse(source.read_text(encoding="utf-8")))
    # The expression errors of dagabaaz.errors declare their own codes.
    errors = ast.parse((ROOT / "dagabaaz" / "errors.py").read_text(encoding="utf-8"))
    expression_errors = {"ExpressionError"}
    for node in errors.body:
        if isinstance(node, ast.ClassDef) and any(
            isinstance(base, ast.Name) and base.id in expression_errors for base in node.bases
        ):
            expression_errors.add(node.name)
            used |= _codes_in(node)
    assert set(_table_rows("docs/editor/codes.md", "Expression codes")) == used


@pytest.mark.parametrize(
    ("lead", "name"),
    [
        ("A **subtitle** extension (", "_SUBTITLE_EXTENSIONS"),
        ("an **archive** extension (", "_ARCHIVE_EXTENSIONS"),
        ("a generic one (", "_GENERIC_MIME_TYPES"),
    ],
    ids=["subtitle-extensions", "archive-extensions", "generic-mime-types"],
)
def test_the_file_type_lists_are_the_classifiers(lead: str, name: str) -> None:
    page = " ".join((ROOT / "docs/concepts/edge-filters.md").read_text(encoding="utf-8").split())
    listed = page.split(lead, 1)[1].split(")", 1)[0]
    assert set(re.findall(r"`([^`]+)`", listed)) == set(getattr(_file_types, name))


def test_every_file_code_is_documented() -> None:
    from dagabaaz.loading import FILE_CODES

    page = (ROOT / "docs" / "editor" / "codes.md").read_text(encoding="utf-8")
    section = page.split("## File codes", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.MULTILINE)
    assert documented == list(FILE_CODES)
