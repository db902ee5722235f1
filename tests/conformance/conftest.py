"""Make the harness modules (harness.py here, oracle_runner.py one level up) importable."""

import sys
from pathlib import Path

for directory in (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent):
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
