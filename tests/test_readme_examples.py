"""The README's examples show real output: every indented block in README.md that starts with
`$ searchkit ...` is run against an index of the real corpora (Reuters-21578, BBC and the seed
article, as the README says) and must print what the README shows. A line `...` in the README
stands for any number of lines left out."""
from __future__ import annotations

import shlex

import pytest
from click.testing import CliRunner

from searchkit.cli.commands import main

from .conftest import ROOT

PROMPT = "    $ "


def readme_examples() -> list[tuple[str, list[str]]]:
    """(command line, lines shown after it) for each `$ searchkit` block of the README."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    examples = []
    for i, line in enumerate(lines):
        if not line.startswith(PROMPT + "searchkit "):
            continue
        shown: list[str] = []
        for following in lines[i + 1:]:
            if following.startswith(PROMPT) or (following and not following.startswith("    ")):
                break
            shown.append(following[4:])
        while shown and not shown[-1]:
            shown.pop()
        examples.append((line[len(PROMPT):], shown))
    return examples


def matches(shown: list[str], printed: list[str]) -> bool:
    """`printed` is `shown`, where a `...` line stands for any number of lines."""
    if not shown:
        return not printed
    if shown[0] == "...":
        return any(matches(shown[1:], printed[i:]) for i in range(len(printed) + 1))
    return bool(printed) and printed[0] == shown[0] and matches(shown[1:], printed[1:])


def test_the_readme_has_examples_with_output():
    examples = readme_examples()
    assert len(examples) >= 5 and all(shown for _, shown in examples), examples


@pytest.mark.parametrize("command, shown", readme_examples(), ids=[c for c, _ in readme_examples()])
def test_readme_example_prints_what_the_readme_shows(corpus_index, command, shown):
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(main, args, env={"SEARCHKIT_INDEX": str(corpus_index[0]), "NO_COLOR": "1"})
    printed = [line.rstrip() for line in result.stdout.rstrip("\n").split("\n")]
    assert matches([line.rstrip() for line in shown], printed), (
        f"README.md shows for `{command}`:\n" + "\n".join(shown) + "\n\nbut it prints (exit "
        f"{result.exit_code}):\n" + "\n".join(printed) + result.stderr)
