"""Command line: `python -m bench [--quick] [--json] [--only NAME] [--group G] [--repeats N] [--warmup N]`.

NAME is a workload (`loop`, `compute/loop`, `intercom`, `template/intercom`, `full-cycle`, ...) or a
group (`compute`, `compile`, `template`, `pause`). `--profile NAME` runs one workload under cProfile
instead of timing it and prints the top functions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from bench.compute import COMPUTE
from bench.oracle import find_oracle
from bench.report import load_average, machine_info, markdown_table, problems, text_table
from bench.results import Row

GROUPS = ("compute", "compile", "template", "pause")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="hoglite benchmarks")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run, not a measurement)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of a table")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--only", metavar="NAME", help="one workload or group (e.g. loop, compute, intercom)")
    parser.add_argument("--repeats", type=int, default=None, help="timed samples per workload (default 5; 2 with --quick)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before the samples (default 1)")
    parser.add_argument("--no-oracle", action="store_true", help="do not run @posthog/hogvm under Node")
    parser.add_argument("--profile", metavar="NAME", help="run one hoglite workload under cProfile and print the top")
    parser.add_argument("--render", metavar="FILE", help="print the table of a saved --json run (with --markdown: Markdown)")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 2 if args.quick else 5
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be at least 1 and --warmup at least 0")
    return args


def _split(only: str | None) -> tuple[set[str], str | None]:
    """(groups to run, workload name within them or None for whole groups)."""
    if only is None:
        return set(GROUPS), None
    if only in GROUPS:
        return {only}, None
    if "/" in only:
        group, name = only.split("/", 1)
        if group in GROUPS:
            return {group}, name
    return set(GROUPS), only


def collect(args: argparse.Namespace) -> tuple[list[Row], Any]:
    from bench.compile import run_compile
    from bench.pause import run_pause
    from bench.templates import run_templates

    groups, name = _split(args.only)
    oracle = None if args.no_oracle else find_oracle()
    rows: list[Row] = []
    common = {"quick": args.quick, "warmup": args.warmup, "repeats": args.repeats}
    if "compute" in groups:
        from bench.compute import run_compute

        chosen = [w for w in COMPUTE if name is None or w.name == name]
        if chosen:
            rows.extend(run_compute(chosen, oracle=oracle, **common))
    if "compile" in groups:
        rows.extend(run_compile(only=name, **common))
    if "template" in groups:
        rows.extend(run_templates(only=name, **common))
    if "pause" in groups:
        rows.extend(run_pause(only=name, **common))
    return rows, oracle


def profile(args: argparse.Namespace) -> int:
    """cProfile one workload's hoglite side (the top 30 functions by internal time)."""
    import cProfile
    import pstats

    from bench.compute import compile_workload, run_hoglite

    groups, name = _split(args.profile)
    target: Any = None
    for workload in COMPUTE:
        if name == workload.name:
            program = compile_workload(workload, workload.quick if args.quick else workload.full)
            target = lambda program=program: run_hoglite(program)  # noqa: E731
    if target is None:
        from bench.templates import TEMPLATES, template_invoker

        folder = TEMPLATES / (name or "")
        if name and (folder / "template.json").is_file():
            invoke, _case, _check = template_invoker(folder)
            invoke()

            def target() -> None:
                for _ in range(200):
                    invoke()
    if target is None:
        print(f"--profile: unknown workload {args.profile!r} (a compute workload or a template)", file=sys.stderr)
        return 2
    target()  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    target()
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(30)
    return 0


def render(path: str, markdown: bool) -> int:
    """Print the table of a saved `--json` run (docs/performance.md is made this way)."""
    from bench.results import row_from_json

    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    rows = [row_from_json(item) for item in report["results"]]
    machine = report["machine"]
    print(f"# {machine['cpu']} x{machine['nproc']}, Python {machine['python']}, Node {machine['node'] or '-'}, "
          f"oracle {machine['oracle'] or 'not run'}")
    print(f"# load average before {report['load_average']['before']}, after {report['load_average']['after']}; "
          f"warm-up {report['settings']['warmup']}, {report['settings']['repeats']} samples per workload; "
          f"{report['elapsed_seconds']} s")
    print(markdown_table(rows) if markdown else text_table(rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args.render, args.markdown)
    if args.profile:
        return profile(args)
    load_before = load_average()
    started = time.perf_counter()
    rows, oracle = collect(args)
    if not rows:
        print(f"no workload named {args.only!r}", file=sys.stderr)
        return 2
    info = {
        "machine": machine_info(oracle),
        "settings": {"quick": args.quick, "warmup": args.warmup, "repeats": args.repeats, "only": args.only,
                     "oracle": oracle is not None},
        "load_average": {"before": load_before, "after": load_average()},
        "elapsed_seconds": round(time.perf_counter() - started, 1),
    }
    found = problems(rows)
    if args.json:
        print(json.dumps({**info, "results": [row.to_json() for row in rows], "problems": found}, indent=2))
    else:
        machine = info["machine"]
        print(f"# {machine['cpu']} x{machine['nproc']}, Python {machine['python']}, "
              f"Node {machine['node'] or '-'}, oracle {machine['oracle'] or 'not run'}")
        print(f"# load average before {load_before}, after {info['load_average']['after']}; "
              f"warm-up {args.warmup}, {args.repeats} samples per workload; {info['elapsed_seconds']} s")
        print(markdown_table(rows) if args.markdown else text_table(rows))
        for line in found:
            print(f"MISMATCH {line}")
    return 1 if found else 0
