"""``python -m tests.census [-k TEXT] [--no-board]``: run the census and print its table."""

from __future__ import annotations

import argparse
import time

from tests.census.cases import all_cases
from tests.census.runner import run_all, table


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.census", description=__doc__)
    parser.add_argument("-k", default="", help="only cases whose id contains this text")
    parser.add_argument("--no-board", action="store_true", help="skip virtual-board cases")
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    cases = [
        case for case in all_cases() if args.k in case.id and not (args.no_board and case.board)
    ]
    started = time.monotonic()
    results = run_all(cases, workers=args.workers)
    print(table(results))
    print(f"\n{len(results)} cases in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
