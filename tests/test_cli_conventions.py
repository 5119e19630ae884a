"""Command-line conventions (issue 19, items 10-16): negated words, conflicting options, colour and
wrapping, field names, empty filters, paging, CSV export."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from searchkit.cli import main

from .conftest import EXAMPLES


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("conventions") / "index"
    result = CliRunner().invoke(main, ["index", str(EXAMPLES), "--index", str(path)])
    assert result.exit_code == 0, result.output
    return path


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env)


@pytest.mark.parametrize("args, named", [
    (["search", "oil", "--json", "--csv"], ("--json", "--csv")),
    (["search", "oil", "--csv", "--facet", "places"], ("--csv", "--facet")),
    (["timeline", "oil", "--json", "--csv"], ("--json", "--csv")),
])
def test_conflicting_options_are_refused(index_dir, args, named):
    result = run(*args, "--index", str(index_dir))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(name in lines[0] for name in named), result.stderr
