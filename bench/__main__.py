"""`python -m bench`: run the benchmarks (see bench/cli.py for the options)."""

from bench.cli import main

raise SystemExit(main())
