"""The progress bar of the management commands: on standard error (what a command reports goes to
standard output, so ``> file`` keeps only that), hidden by ``--no-progress`` and, unless a command
says otherwise, by ``--verbosity 0``."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import Any

from tqdm import tqdm


def add_progress_argument(parser) -> None:
    """``--no-progress``: no progress bar (for logs and cron)."""
    parser.add_argument("--no-progress", action="store_true")


def progress_hidden(options: Mapping[str, Any], *, hide_when_quiet: bool = True) -> bool:
    """Whether the command's ``options`` ask for no bar: ``--no-progress``, or ``--verbosity 0``
    when ``hide_when_quiet``."""
    if options.get("no_progress"):
        return True
    return hide_when_quiet and not options.get("verbosity", 1)


def progress_bar(
    iterable: Iterable | None = None,
    *,
    options: Mapping[str, Any],
    desc: str | None = None,
    unit: str = "it",
    total: int | None = None,
    initial: int = 0,
    hide_when_quiet: bool = True,
) -> tqdm:
    """A ``tqdm`` bar on standard error over ``iterable`` (or updated by hand, up to ``total``),
    hidden as ``progress_hidden`` says."""
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        initial=initial,
        unit=unit,
        disable=progress_hidden(options, hide_when_quiet=hide_when_quiet),
        file=sys.stderr,
    )
