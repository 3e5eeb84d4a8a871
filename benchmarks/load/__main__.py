"""``python -m benchmarks.load [--think LOW,HIGH] [WORKERS ...]``: the load case (gunicorn with
2, then 4 workers unless WORKERS are given); the last line of stdout is one JSON object,
``{"load": ...}``. ``--think 1,3``: every role thinks 1–3 s (a stress test beyond what two
cores serve) instead of the locustfile's think times."""

import argparse
import json

from . import run


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    parser.add_argument("workers", nargs="*", type=int, help="gunicorn worker counts (2 4)")
    parser.add_argument("--think", help="LOW,HIGH seconds for every role")
    args = parser.parse_args(argv)
    think = tuple(float(s) for s in args.think.split(",")) if args.think else None
    print(json.dumps({"load": run(tuple(args.workers) or None, think=think)}))


if __name__ == "__main__":
    main()
