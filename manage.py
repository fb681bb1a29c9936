#!/usr/bin/env python
"""Django's command-line utility for OpenDVC."""

import os
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
    profile = "production" if os.environ.get("DJANGO_ENV") == "production" else "development"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"opendvc.settings.{profile}")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
