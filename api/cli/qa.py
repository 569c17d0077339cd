"""``callboard qa sample | verify``: draw a QA sample with a policy, or draw a recorded
sample again from its event and compare."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.bootstrap import build
from api.qa.service import QaService
from api.settings import Configuration
from domain.errors import CallboardError

__all__ = ["add_qa_commands", "run_qa_command"]

QA_FOLDS = ("qa_catalogue", "qa_evaluations")


def add_qa_commands(sub: Any, with_store: Callable[[argparse.ArgumentParser], Any]) -> None:
    qa = sub.add_parser("qa", help="QA: draw a sample of calls, verify a drawn sample")
    actions = qa.add_subparsers(dest="qa_command", required=True)
    sample = with_store(actions.add_parser("sample", help="draw a sample with a policy"))
    sample.add_argument("--policy", required=True, help="a sampling policy's name")
    sample.add_argument("--period", required=True,
                        help="a date in the period (YYYY-MM-DD), or YYYY-Www / YYYY-MM")
    sample.add_argument("--seed", type=int, help="default: a random one (recorded)")
    sample.add_argument("--complained", type=Path,
                        help="a file of customer numbers who complained, one per line")
    sample.add_argument("--by", default="cli", help="who draws (recorded)")
    verify = with_store(actions.add_parser("verify", help="draw a recorded sample again "
                                           "from its event and compare (exit 1 if different)"))
    verify.add_argument("sample_id")


def _summary(sample: dict[str, Any]) -> dict[str, Any]:
    return {k: sample[k] for k in ("id", "policy", "policy_version", "seed", "period",
                                   "algorithm", "chosen", "rederives")} | {
        "population": len(sample["population"])}


def _run(args: argparse.Namespace, qa: QaService) -> int:
    if args.qa_command == "sample":
        numbers = [] if args.complained is None else [
            line.strip() for line in args.complained.read_text().splitlines()
            if line.strip()]
        sample = qa.draw_sample(args.policy, args.period, args.seed, numbers, args.by)
        print(json.dumps(_summary(sample), indent=2))
        return 0
    sample = qa.sample(args.sample_id)
    print(json.dumps(_summary(sample) | {"rederived": sample["rederived"]}, indent=2))
    if not sample["rederives"]:
        print("callboard qa verify: drawing again gives other calls", file=sys.stderr)
    return 0 if sample["rederives"] else 1


def run_qa_command(args: argparse.Namespace, store_url: str, config: Configuration) -> int:
    """The QA service from ``api.bootstrap``, its folds caught up from the log."""
    callboard = build(config, store_url, names=QA_FOLDS, read_only=True)
    try:
        return _run(args, callboard.services["qa"])
    except (CallboardError, OSError) as error:
        print(f"callboard qa: {error}", file=sys.stderr)
        return 2
    finally:
        callboard.close()
