"""`python -m bench [dispatch|relay|engines|deployments|lateness|lifecycle|workspace|lottery ...]`: the
benchmarks (all by default)."""

from __future__ import annotations

import argparse
import logging
import os

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "which",
        nargs="*",
        default=[
            "dispatch",
            "relay",
            "engines",
            "deployments",
            "lateness",
            "lifecycle",
            "workspace",
            "lottery",
        ],
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--reminders", type=int, default=1_000)
    parser.add_argument("--relay-messages", type=int, default=800)
    parser.add_argument("--ateliers", type=int, default=200)
    parser.add_argument("--lottery-max-seconds", type=float, default=300.0)
    parser.add_argument("--lottery-seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--lottery-shapes", nargs="+", default=["skewed", "correlated", "edge"])
    parser.add_argument(
        "--lottery-sizes",
        nargs="+",
        default=["400:15", "1500:35", "2000:200", "10000:150"],
        help="pool:panel",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if "dispatch" in args.which:
        from bench.dispatch import run_dispatch

        run_dispatch(args.messages)
    if "relay" in args.which:
        from bench.relay import run_relay

        run_relay(args.relay_messages)
    if "engines" in args.which:
        from bench.engines import run_engines

        run_engines(args.ateliers)
    if "deployments" in args.which:
        from bench.deployments import run_deployments

        run_deployments()
    if "lateness" in args.which:
        from bench.dispatch import run_lateness

        run_lateness(args.reminders)
    if "lifecycle" in args.which:
        from bench.lifecycle import run_lifecycle

        run_lifecycle()
    if "workspace" in args.which:
        from bench.portfolio import run_portfolio
        from bench.workspace import run_workspace

        run_workspace()
        run_portfolio()
    if "lottery" in args.which:
        from bench.lottery import run_lottery

        sizes = tuple((int(n), int(k)) for n, k in (size.split(":") for size in args.lottery_sizes))
        run_lottery(args.lottery_max_seconds, tuple(args.lottery_seeds), tuple(args.lottery_shapes), sizes)


main()
