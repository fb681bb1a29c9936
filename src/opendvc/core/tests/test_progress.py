"""The management commands' progress bar: on standard error, hidden by ``--no-progress`` and (unless
the command says otherwise) by ``--verbosity 0``; standard output keeps only what a command reports."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from opendvc.core.progress import progress_bar, progress_hidden


@pytest.mark.parametrize(
    ("options", "hide_when_quiet", "hidden"),
    [
        ({"no_progress": False, "verbosity": 1}, True, False),
        ({"no_progress": True, "verbosity": 1}, True, True),
        ({"no_progress": False, "verbosity": 0}, True, True),
        ({"no_progress": False, "verbosity": 0}, False, False),
        ({"no_progress": True, "verbosity": 0}, False, True),
        ({"verbosity": 0}, True, True),  # a command without --no-progress
        ({"verbosity": 2}, True, False),
    ],
)
def test_when_the_bar_is_hidden(options, hide_when_quiet, hidden):
    assert progress_hidden(options, hide_when_quiet=hide_when_quiet) is hidden


def test_the_bar_goes_to_standard_error(capsys):
    for _ in progress_bar(range(3), options={"verbosity": 1}, desc="Đếm", unit=" dòng"):
        pass
    out, err = capsys.readouterr()
    assert out == "" and "Đếm" in err and "3/3" in err and "dòng" in err
    with progress_bar(options={"no_progress": True, "verbosity": 1}, total=3) as bar:
        bar.update(3)
    assert capsys.readouterr() == ("", "")


def test_a_command_shows_it_unless_asked_not_to(db, capsys):
    out = StringIO()
    call_command("purge_refused_messages", "--dry-run", stdout=out)
    err = capsys.readouterr().err
    assert "Yêu cầu bị từ chối của bên liên thông" in err and "dòng" in err
    assert "Chạy thử" in out.getvalue() and "dòng/s" not in out.getvalue()
    for flags in (["--no-progress"], ["--verbosity", "0"]):
        call_command("purge_refused_messages", "--dry-run", *flags, stdout=StringIO())
        assert capsys.readouterr().err == ""


def test_the_feedback_load_generator_hides_it_only_when_quiet(db, capsys):
    # It has no --no-progress: --verbosity 0 is its only way to hide the bar.
    call_command("generate_feedback_load", count=2, batch=1, stdout=StringIO())
    assert "2/2" in capsys.readouterr().err
    call_command("generate_feedback_load", count=3, batch=1, verbosity=0, stdout=StringIO())
    assert capsys.readouterr().err == ""
