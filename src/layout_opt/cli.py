"""Command line: ``layout-opt summary`` (district figures) and ``layout-opt plan``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .errors import ValidationError

logger = logging.getLogger("layout_opt")

EXIT_OK, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 2, 3


def _summary_text(summary: dict) -> str:
    lines = [
        f"{summary['district']} — base year {summary['base_year']}",
        f"villages: {summary['villages']}   residents: {summary['residents']:,}",
        "pupils by band: " + ", ".join(f"{k} {v:,}" for k, v in summary["pupils_by_band"].items()),
        "pupils per 1,000 residents: " + ", ".join(f"{k} {v}" for k, v in summary["pupils_per_1000"].items()),
        "schools by kind: " + ", ".join(f"{k} {v}" for k, v in summary["schools_by_kind"].items()),
        "planned projects: " + ", ".join(summary["planned_projects"]),
        f"closure candidates (teaching points and schools under 100 pupils): {summary['closure_candidates']}",
        f"classes over the 45/50 cap: {summary['oversize_classes']['classes']} classes in {summary['oversize_classes']['schools']} schools",
    ]
    for o in summary["oversize_classes"]["list"]:
        lines.append(f"    {o['name']} ({o['school_id']}): {o['classes']} classes, {o['pupils_per_class']} pupils per class (cap {o['cap']})")
    lines.append("boarding beds by town: " + ", ".join(f"{k} {v}" for k, v in summary["boarding_beds_by_town"].items()))
    return "\n".join(lines)


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the district summary."""
    from .io import read_district

    district = read_district(args.data)
    summary = district.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(_summary_text(summary))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layout-opt", description="School network planning for a county district.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("summary", help="print the district's key figures")
    p.add_argument("--data", type=Path, default=Path("data"), help="district data folder (default: data)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_summary)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``layout-opt`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
