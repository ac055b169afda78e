"""The data commands of the ``loyalty`` command line, end to end on a real database."""

from __future__ import annotations

import json

from tests.sample_files import write, write_catalog


def import_catalog(run, folder):
    files = write_catalog(folder)
    for kind in ("members", "products", "transactions"):
        result = run("import", kind, files[kind])
        assert result.exit_code == 0, result.output
    return files


def test_import_then_status_json(run, tmp_path):
    import_catalog(run, tmp_path)
    result = run("status", "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert (status["members"], status["products"], status["transactions"]) == (3, 3, 4)
    assert set(status["last_import"]) == {"members", "products", "transactions"}
    assert status["model"] is None and status["rule_set"] is None


def test_reimport_reports_nothing_new(run, tmp_path):
    files = import_catalog(run, tmp_path)
    result = run("import", "transactions", files["transactions"])
    assert result.exit_code == 0
    assert "4 rows read, 0 new or changed" in result.output


def test_bad_file_exits_non_zero_naming_file_line_and_column(run, tmp_path):
    bad = write(tmp_path, "members.csv", "member_id,joined_at,tier\nM1,01/02/2024,gold\n")
    result = run("import", "members", bad)
    assert result.exit_code == 2
    assert f"{bad}:2: joined_at: expected a date YYYY-MM-DD, got '01/02/2024'" in result.output
    assert "Traceback" not in result.output
    assert json.loads(run("status", "--json").output)["members"] == 0


def test_as_of_option_and_environment_set_today(run):
    assert json.loads(run("--as-of", "2017-10-01", "status", "--json").output)["today"] == (
        "2017-10-01"
    )
    from_env = run("status", "--json", env={"LOYALTY_AS_OF": "2018-01-02"})
    assert json.loads(from_env.output)["today"] == "2018-01-02"


def test_bad_as_of_is_a_usage_error(run):
    result = run("--as-of", "next tuesday", "status")
    assert result.exit_code == 2
    assert "expected YYYY-MM-DD" in result.output
