"""``rueda-match``: exit statuses, messages naming the field, never a traceback."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matching.solver.cli import main

SERVICE_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def write_json(tmp_path):
    def write(name, data):
        path = tmp_path / name
        path.write_text(json.dumps(data) if not isinstance(data, str) else data)
        return str(path)

    return write


@pytest.fixture
def santa_marta_file(write_json, santa_marta_raw):
    return write_json("santa-marta.json", santa_marta_raw)


def run_module(*args):
    """``python -m matching.solver`` in a fresh interpreter, as a user would run it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SERVICE_ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "matching.solver", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_solve_writes_a_schedule_that_the_check_command_accepts(santa_marta_file, tmp_path, capsys):
    out = tmp_path / "schedule.json"
    assert main(["solve", santa_marta_file, "-o", str(out), "--time-limit", "10"]) == 0
    schedule = json.loads(out.read_text())
    assert schedule["status"] == "optimal"
    assert schedule["objective"] == schedule["bound"] == 40
    assert schedule["unmet"] == []
    assert set(schedule["rounds"][0]) == {
        "session",
        "table",
        "program",
        "host",
        "attendees",
        "presenter",
        "attending_delegates",
    }
    capsys.readouterr()
    assert main(["check", santa_marta_file, str(out)]) == 0
    assert "0 violations" in capsys.readouterr().err


def test_explain_prints_what_each_delegation_got(santa_marta_file, tmp_path, capsys):
    assert (
        main(
            [
                "solve",
                santa_marta_file,
                "-o",
                str(tmp_path / "s.json"),
                "--explain",
                "--time-limit",
                "10",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "CO (Colombia, 5 delegates): got 9 of 9 asked (weight 9/9)" in printed
    assert "  hosts  BR-PAA: session" in printed


def test_check_exits_1_and_lists_seat_over_use_of_the_hand_made_schedule(santa_marta_file, capsys):
    assert main(["check", santa_marta_file, "--hand-made"]) == 1
    printed = capsys.readouterr().out
    assert (
        "session 1: 'BR' needs 2 seats but has 1 delegate (hosts BR-PAA; hosts BR-SSC)" in printed
    )


def test_check_flags_a_schedule_that_breaks_rules(santa_marta_file, write_json, capsys):
    bad = write_json(
        "bad.json",
        {"rounds": [{"session": 1, "table": 1, "program": "BR-PAA", "attendees": ["CL"]}]},
    )
    assert main(["check", santa_marta_file, bad]) == 1
    assert "'CL' did not ask for 'BR-PAA'" in capsys.readouterr().out


def test_unknown_program_in_the_scenario_exits_2_naming_the_field(
    santa_marta_raw, write_json, tmp_path, capsys
):
    raw = copy.deepcopy(santa_marta_raw)
    raw["interests"][3]["programs"][1] = "XX"
    path = write_json("bad.json", raw)
    assert main(["solve", path, "-o", str(tmp_path / "out.json")]) == 2
    err = capsys.readouterr().err
    assert f"rueda-match: {path}: interests[3].programs[1]: unknown program 'XX'" in err
    assert not (tmp_path / "out.json").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (
            "{not json",
            "not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        ("[]", "(top level): Invalid input type."),
        ('{"workshop": {"id": "w", "sessions": 0}}', "workshop.sessions: must be at least 1"),
    ],
)
def test_bad_scenario_files_exit_2_with_a_clear_message(
    write_json, tmp_path, capsys, content, message
):
    path = write_json("scenario.json", content)
    assert main(["solve", path, "-o", str(tmp_path / "out.json")]) == 2
    assert message in capsys.readouterr().err


def test_a_missing_scenario_file_exits_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.json"), "--hand-made"]) == 2
    assert "cannot read scenario" in capsys.readouterr().err


def test_a_previous_schedule_of_another_workshop_is_refused(
    santa_marta_file, write_json, tmp_path, capsys
):
    previous = write_json("old.json", {"workshop": "elsewhere", "rounds": []})
    assert (
        main(["solve", santa_marta_file, "-o", str(tmp_path / "o.json"), "--previous", previous])
        == 2
    )
    assert "workshop: 'elsewhere' is not 'santa-marta-2012'" in capsys.readouterr().err


def test_replan_from_the_command_line_reports_no_changes(santa_marta_file, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert main(["solve", santa_marta_file, "-o", str(first), "--time-limit", "10"]) == 0
    assert (
        main(
            [
                "solve",
                santa_marta_file,
                "-o",
                str(second),
                "--previous",
                str(first),
                "--time-limit",
                "10",
            ]
        )
        == 0
    )
    again = json.loads(second.read_text())
    assert again["rounds"] == json.loads(first.read_text())["rounds"]
    assert again["changes"]["rounds_moved"] == again["changes"]["attendees_moved"] == 0


def test_pins_from_the_command_line_are_kept_or_refused(santa_marta_file, tmp_path, capsys):
    out = tmp_path / "o.json"
    assert (
        main(
            ["solve", santa_marta_file, "-o", str(out), "--pin", "3:2:CO-MPI", "--time-limit", "10"]
        )
        == 0
    )
    rounds = json.loads(out.read_text())["rounds"]
    assert {"session": 3, "table": 2, "program": "CO-MPI"}.items() <= next(
        r for r in rounds if r["program"] == "CO-MPI"
    ).items()
    assert main(["solve", santa_marta_file, "-o", str(out), "--pin", "1:XX"]) == 2
    assert "--pin: pinned[0].program: unknown program 'XX'" in capsys.readouterr().err
    assert main(["solve", santa_marta_file, "-o", str(out), "--pin", "first:XX"]) == 2
    assert "expected SESSION:PROGRAM or SESSION:TABLE:PROGRAM" in capsys.readouterr().err


def test_python_dash_m_solves_and_refuses_bad_input_without_a_traceback(
    santa_marta_file, write_json, tmp_path
):
    out = tmp_path / "schedule.json"
    done = run_module("solve", santa_marta_file, "-o", str(out), "--time-limit", "10")
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["objective"] == 40

    broken = write_json("broken.json", '{"workshop": ')
    refused = run_module("solve", broken, "-o", str(tmp_path / "never.json"))
    assert refused.returncode == 2
    assert "not valid JSON" in refused.stderr
    assert "Traceback" not in refused.stderr

    usage = run_module("solve")
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr
