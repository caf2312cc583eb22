"""Run every benchmark under bench/ and print one line each.

    python bench/run.py [--quick] [NAME ...]

Each `bench/bench_*.py` module has `run(quick: bool) -> Iterable[BenchResult]`; baselines are measured in the
same run, so ratios compare like with like on whatever machine runs them. A benchmark that cannot run prints
`NAME: FAILED, could not run: …` as soon as it knows, and the run exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (whole run under 3 minutes)")
    parser.add_argument("names", nargs="*", help="only these modules, e.g. score import")
    args = parser.parse_args(argv)
    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if args.names:
        modules = [m for m in modules if m.removeprefix("bench_") in args.names]
    if not modules:
        print(f"no benchmark named {' '.join(args.names)}", file=sys.stderr)
        return 2
    missed = 0
    for name in modules:
        try:
            module = importlib.import_module(f"bench.{name}")
            for result in module.run(args.quick):
                print(result.line(), flush=True)
                missed += not result.ok
        except Exception as exc:  # a benchmark that cannot run says why, and the others still run
            print(f"{name.removeprefix('bench_')}: FAILED, could not run: {type(exc).__name__}: {exc}", flush=True)
            missed += 1
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
