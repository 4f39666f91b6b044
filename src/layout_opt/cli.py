"""Command line: ``layout-opt plan`` (the batch run) and ``layout-opt summary``.

``layout-opt plan --data data --scenario scenarios/default.toml --out plans/2024-2026``
regenerates the whole plan and writes the folder of DESIGN.md §5.  Exit codes: 0 a plan;
2 bad input (file, record and field named); 3 no plan satisfies the rules (the
explanation is printed and saved in the folder); 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .errors import ValidationError

logger = logging.getLogger("layout_opt")

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT, EXIT_INFEASIBLE = 0, 1, 2, 3


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
        lines.append(
            f"    {o['name']} ({o['school_id']}): {o['classes']} classes, {o['pupils_per_class']} pupils per class (cap {o['cap']})"
        )
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


class _Step:
    """Logs the start and the duration of a long step."""

    def __init__(self, name: str, timings: dict):
        self.name, self.timings = name, timings

    def __enter__(self):
        import time

        logger.info("%s ...", self.name)
        self.t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import time

        self.timings[self.name] = round(time.perf_counter() - self.t, 2)
        if exc[0] is None:
            logger.info("%s: %.1f s", self.name, self.timings[self.name])
        return False


def cmd_plan(args: argparse.Namespace) -> int:
    """Regenerate the plan and write its folder."""
    import io as _io
    import time

    from . import io
    from .api import demand_forecast, solve, travel_matrix
    from .errors import InfeasibleError
    from .scenario import Scenario

    start = time.perf_counter()
    buffer = _io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    if args.out.exists() and not args.force:
        print(f"error: {args.out} exists; use --force to replace it", file=sys.stderr)
        return EXIT_BAD_INPUT
    timings: dict = {}
    try:
        scenario = Scenario.from_toml(args.scenario) if args.scenario else Scenario()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.time_limit is not None:
        scenario = scenario.replace(time_limit_s=args.time_limit)
    if args.bound_method is not None:
        scenario = scenario.replace(bound_method=args.bound_method)
    with _Step("load and validate the district", timings):
        district = io.read_district(args.data)
        projects = io.read_policy_projects(args.data)
    with _Step("travel-time matrix", timings):
        travel = travel_matrix(district, scenario)
    with _Step("school-age forecast", timings):
        demand_forecast(district, scenario)
    try:
        with _Step("solve the layout model", timings):
            plan = solve(district, scenario, travel=travel)
    except InfeasibleError as exc:
        print(exc.explanation, file=sys.stderr)
        with io.atomic_folder(args.out, force=args.force) as tmp:
            (tmp / "infeasible.txt").write_text(exc.explanation + "\n", encoding="utf-8")
            io.write_json(
                {
                    "status": "infeasible",
                    "reasons": exc.reasons,
                    "details": exc.details,
                    "scenario": scenario.to_dict(),
                },
                tmp / "summary.json",
            )
            (tmp / "run.log").write_text(buffer.getvalue(), encoding="utf-8")
        return EXIT_INFEASIBLE
    with _Step("check the plan against the rules", timings):
        violations = plan.check()
    if len(violations):
        logger.error("the plan breaks %d rule(s); see violations.csv", len(violations))
    bus_plan = None
    if args.routes:
        from .routing import RoutingParams, route_district

        with _Step(f"school-bus routes {scenario.years[-1]}", timings):
            bus_plan = route_district(
                plan.assignments, district, year=scenario.years[-1], params=RoutingParams.from_scenario(scenario)
            )
    with _Step("write the plan folder", timings):
        io.write_plan(
            plan,
            args.out,
            policy_projects=projects,
            bus_plan=bus_plan,
            force=args.force,
            log_text=buffer.getvalue(),
            violations=violations,
            timings=timings,
        )
    total = time.perf_counter() - start
    s = plan.summary
    logger.info(
        "plan written to %s in %.1f s: %d closures, %d classrooms, %d beds, capital %.1f M yuan; solver %s, gap %.2f%%",
        args.out,
        total,
        s["closures"]["total"],
        s["added"]["classrooms"],
        s["added"]["beds"],
        s["costs_yuan"]["capital"] / 1e6,
        s["solver"]["status"],
        100 * (s["solver"]["gap"] or 0),
    )
    root.removeHandler(handler)
    return EXIT_ERROR if len(violations) else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layout-opt", description="School network planning for a county district.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("summary", help="print the district's key figures")
    p.add_argument("--data", type=Path, default=Path("data"), help="district data folder (default: data)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_summary)
    p = sub.add_parser("plan", help="regenerate the school layout plan and write its folder")
    p.add_argument("--data", type=Path, default=Path("data"), help="district data folder (default: data)")
    p.add_argument("--scenario", type=Path, default=None, help="scenario TOML (default: the policy defaults)")
    p.add_argument("--out", type=Path, required=True, help="plan folder to write")
    p.add_argument("--force", action="store_true", help="replace an existing plan folder")
    p.add_argument("--quiet", action="store_true", help="no progress messages (the log still goes to the folder)")
    p.add_argument("--time-limit", type=float, default=None, help="solver budget in seconds (overrides the scenario)")
    p.add_argument(
        "--bound-method",
        choices=("lp", "root"),
        default=None,
        help="'root' proves the plan much tighter (and often improves it) for several minutes more (overrides the scenario)",
    )
    p.add_argument("--no-routes", dest="routes", action="store_false", help="skip the school-bus routes")
    p.set_defaults(func=cmd_plan)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``layout-opt`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet = getattr(args, "quiet", True) or args.command == "summary"
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    console.setLevel(logging.WARNING if quiet else logging.INFO)
    logging.getLogger().addHandler(console)
    try:
        return int(args.func(args))
    except ValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        logging.getLogger().removeHandler(console)


if __name__ == "__main__":
    sys.exit(main())
