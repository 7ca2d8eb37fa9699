#!/usr/bin/env python
"""Django's command-line utility for the example CRM."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # Run from a checkout without installing: the package lives in ../src.
    sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
