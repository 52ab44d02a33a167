import json
from collections.abc import Callable

import pytest

from dagabaaz.cli import main


@pytest.mark.parametrize(
    ("argv", "printed"),
    [
        (["{input.title | upper}", "--input", "title=trip"], '"TRIP"'),
        (["{input.n}", "--input", "n=007"], '"007"'),
        (["{input.n}", "--input", "n=7"], "7"),
        (["{input.tags | join(;)}", "--input", 'tags=["a","b"]'], '"a;b"'),
        (["{input.missing | default(none)}"], '"none"'),
        (["{input.items}", "--input", "items=[1, 2]"], "[\n  1,\n  2\n]"),
        (["plain text"], '"plain text"'),
    ],
    ids=[
        "upper",
        "leading-zeros-stay-text",
        "number",
        "join",
        "default",
        "list",
        "no-interpolation",
    ],
)
def test_eval_prints_json(
    capsys: pytest.CaptureFixture[str], argv: list[str], printed: str
) -> None:
    assert main(["eval", *argv]) == 0
    assert capsys.readouterr().out == printed + "\n"


def test_eval_reads_namespaces_from_a_data_file(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    data = write(
        "data.json", json.dumps({"source": {"title": "harbour"}, "input": {"a": 1, "b": 2}})
    )
    assert (
        main(
            ["eval", "{source.title | title} {input.a}{input.b}", "--data", data, "--input", "b=3"]
        )
        == 0
    )
    assert capsys.readouterr().out == '"Harbour 13"\n'


def test_eval_diagnostics_exit_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "{input.title | uper}"]) == 1
    out = capsys.readouterr().out
    assert "error[unknown-pipe]" in out
    assert "  --> <expression>" in out
    assert " 1 | {input.title | uper}\n   |                ^^^^\n" in out


def test_eval_failure_at_evaluation_exits_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "{input.url | required}"]) == 1
    out = capsys.readouterr().out
    assert "input.url" in out


def test_eval_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "{input.x | upper}", "--input", "x=a", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"result": "A", "diagnostics": []}
    assert main(["eval", "{input.x | uper}", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["result"] is None
    assert report["diagnostics"][0]["code"] == "unknown-pipe"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1]", "expected a JSON object, got list"),
        ('{"source": 3}', "namespace 'source' must hold an object of key -> value, got int"),
        ("{", "invalid JSON: Expecting property name enclosed in double quotes"),
    ],
    ids=["not-object", "namespace-not-object", "bad-json"],
)
def test_eval_bad_data_file_exits_two(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    data = write("data.json", text)
    assert main(["eval", "{input.x}", "--data", data]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dagabaaz: --data ") and message in err


def test_eval_missing_data_file_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "{input.x}", "--data", "nope.json"]) == 2
    assert capsys.readouterr().err == "dagabaaz: --data nope.json: no such file\n"


def test_eval_never_prints_nan_or_infinity(
    write: Callable[[str, str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    # A float literal past the float range is read as inf by Python's JSON
    # reader; printed, it would be "Infinity", which no strict JSON reader takes.
    data = write("data.json", '{"input": {"big": [1e400]}}')
    for output in ("text", "json"):
        assert main(["eval", "{input.big}", "--data", data, "--format", output]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == (
            "dagabaaz: the result is not JSON: it holds NaN or an infinity, "
            "which JSON cannot write\n"
        )


def test_an_input_past_the_float_range_stays_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "{input.n}", "--input", "n=1e400"]) == 0
    assert capsys.readouterr().out == '"1e400"\n'
    assert main(["eval", "{input.n | int}", "--input", "n=-1e400"]) == 0
    assert capsys.readouterr().out == "-1" + "0" * 400 + "\n"


def test_eval_strict_names_the_missing_reference(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "{input.titel | upper}", "--input", "title=dune"]
    assert main(argv) == 0
    assert capsys.readouterr().out == "null\n"
    assert main([*argv, "--strict", "--format", "json"]) == 1
    (problem,) = json.loads(capsys.readouterr().out)["diagnostics"]
    assert (problem["code"], problem["start"], problem["end"]) == ("missing-reference", 1, 12)
    assert problem["hint"] == "did you mean 'title'?"
