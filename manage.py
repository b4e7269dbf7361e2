#!/usr/bin/env python
"""Django's management entry point, for developers (`finegrid manage …` does the same)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finegrid.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
