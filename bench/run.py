"""Run every benchmark under bench/ (files bench_*.py exposing run()) and print one table."""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="names of benchmarks to run (e.g. foundation worktime)")
    args = parser.parse_args()
    files = sorted(HERE.glob("bench_*.py"))
    if args.only:
        files = [f for f in files if f.stem.removeprefix("bench_") in args.only]
    rows: list[tuple[str, str, str, str]] = []
    for file in files:
        name = file.stem.removeprefix("bench_")
        print(f"… {name}", file=sys.stderr, flush=True)
        spec = importlib.util.spec_from_file_location(file.stem, file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        started = time.perf_counter()
        for metric, value, target in module.run():
            rows.append((name, metric, value, target))
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(f"\nOpenDVC benchmarks — {platform.node()}, {platform.processor() or platform.machine()}, Python {platform.python_version()}\n")
    widths = [max(len(r[i]) for r in rows + [("bench", "metric", "measured", "target")]) for i in range(4)]
    header = ("bench", "metric", "measured", "target")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
