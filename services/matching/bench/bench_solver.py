"""Benchmark of the schedule optimiser: CP-SAT under both fairness policies, and greedy.

Generates three workshop sizes with a fixed seed (with named delegates: their
languages, late arrivals and early departures, named presenters), runs each
solve in its own subprocess (so peak memory is that solve's alone) and writes
RESULTS.md and results.json beside this file.

    PYTHONPATH=. python bench/bench_solver.py            # every size
    PYTHONPATH=. python bench/bench_solver.py small      # some sizes
    PYTHONPATH=. python bench/bench_solver.py --one small cpsat-price   # one solve, JSON out
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2012

SIZES = {
    # name: delegations, programs, ranks, sessions, tables, max runs, time limit, target gap
    "small": dict(
        delegations=15,
        programs=16,
        ranks=4,
        sessions=4,
        tables=4,
        max_runs=1,
        time_limit=10,
        target_gap=0.0,
        target_seconds=1,
    ),
    "medium": dict(
        delegations=60,
        programs=120,
        ranks=8,
        sessions=6,
        tables=20,
        max_runs=2,
        time_limit=30,
        target_gap=0.005,
        target_seconds=30,
    ),
    "large": dict(
        delegations=300,
        programs=500,
        ranks=10,
        sessions=8,
        tables=60,
        max_runs=2,
        time_limit=120,
        target_gap=0.02,
        target_seconds=120,
    ),
}
MEMORY_TARGET_MIB = 2048
POLICIES = {"total": "total", "price": {"price": 0.05}}
LANGUAGES = ["es", "en", "pt", "fr"]
TOPICS = [
    "conditional_cash_transfers", "social_assistance", "extreme_poverty", "evaluation",
    "food_security", "productive_inclusion", "income_generation", "financial_inclusion",
    "early_childhood", "children_and_youth", "youth_employability", "pensions_and_elderly",
    "care_economy", "housing", "poverty_measurement", "targeting_and_registries",
    "information_systems", "coordination", "rights_based", "differential_approach",
    "social_inclusion", "child_recruitment", "family_support", "graduation",
]  # fmt: skip


def add_people(scenario: dict, seed: str) -> dict:
    """Name every delegate (languages, presence) and some presenters; topics for programs.

    Uses its own random stream, so the workshop itself (delegations, programs,
    interests) is the same with or without people.
    """
    rng = random.Random(f"{seed}-people")
    sessions = scenario["workshop"]["sessions"]
    members: dict[str, list[str]] = {}
    for delegation in scenario["delegations"]:
        home = rng.choices(LANGUAGES, weights=[60, 15, 15, 10])[0]
        people = []
        for n in range(1, delegation["delegates"] + 1):
            speaks = [home]
            if rng.random() < 0.4:
                speaks.append(rng.choice([lang for lang in LANGUAGES if lang != home]))
            person = {"id": f"{delegation['id']}-{n}", "languages": speaks}
            late = rng.random()
            if late < 0.06:  # arrives after the first session
                person["available_sessions"] = list(range(2, sessions + 1))
            elif late < 0.12:  # leaves before the last
                person["available_sessions"] = list(range(1, sessions))
            people.append(person)
        delegation["delegates"] = people
        members[delegation["id"]] = [q["id"] for q in people]
    for program in scenario["programs"]:
        program["topics"] = rng.sample(TOPICS, rng.randint(1, 2))
        team = members[program["host"]]
        if len(team) > 1 and rng.random() < 0.3:
            program["presenters"] = [rng.choice(team)]
    return scenario


def generate(size: str, seed: int = SEED, people: bool = True) -> dict:
    """A scenario dict: skewed popularity, 1-5 delegates, a few delegations missing a session;
    with ``people``, named delegates (see add_people)."""
    spec = SIZES[size]
    rng = random.Random(f"{seed}-{size}")
    sessions = spec["sessions"]
    delegations = []
    for n in range(spec["delegations"]):
        delegation = {
            "id": f"D{n:03d}",
            "name": f"Delegation {n}",
            "delegates": rng.choices([1, 2, 3, 4, 5], weights=[30, 30, 20, 12, 8])[0],
        }
        if rng.random() < 0.1:
            missing = rng.randint(1, sessions)
            delegation["available_sessions"] = [s for s in range(1, sessions + 1) if s != missing]
        delegations.append(delegation)
    # Bigger delegations present more programs, as in the real workshops.
    hosts = rng.choices(
        delegations, weights=[d["delegates"] for d in delegations], k=spec["programs"]
    )
    programs = [
        {"id": f"P{n:03d}", "title": f"Program {n}", "host": host["id"]}
        for n, host in enumerate(hosts)
    ]
    popularity = [1 / (rank + 1) ** 0.7 for rank in range(len(programs))]
    rng.shuffle(popularity)
    interests = []
    for delegation in delegations:
        wanted = rng.randint(max(1, spec["ranks"] // 2), spec["ranks"])
        choices: list[str] = []
        candidates = [p for p in programs if p["host"] != delegation["id"]]
        weights = [popularity[int(p["id"][1:])] for p in candidates]
        while len(choices) < wanted and candidates:
            pick = rng.choices(range(len(candidates)), weights=weights)[0]
            choices.append(candidates.pop(pick)["id"])
            weights.pop(pick)
        interests.append({"delegation": delegation["id"], "programs": choices})
    scenario = {
        "workshop": {
            "id": f"bench-{size}",
            "sessions": sessions,
            "tables_per_session": spec["tables"],
            "table_capacity": 8,
            "max_runs_per_program": spec["max_runs"],
            "rank_weights": list(range(spec["ranks"], 0, -1)),
        },
        "delegations": delegations,
        "programs": programs,
        "interests": interests,
    }
    return add_people(scenario, f"{seed}-{size}") if people else scenario


def run_one(size: str, solver: str) -> dict:
    """Solve one instance in this process and describe the outcome (called in a subprocess).

    ``solver``: ``greedy``, or ``cpsat-total`` / ``cpsat-price`` (the fairness policy).
    """
    from matching.solver.checker import check
    from matching.solver.greedy import plan_greedily
    from matching.solver.model import shares, trivial_bound
    from matching.solver.scenario import Round, load_scenario
    from matching.solver.schedule import plan

    scenario = load_scenario(generate(size))
    started = time.perf_counter()
    extra: dict = {}
    if solver.startswith("cpsat"):
        policy = solver.split("-", 1)[1]
        result = plan(scenario, time_limit=SIZES[size]["time_limit"], policy=POLICIES[policy])
        seconds = time.perf_counter() - started
        rounds = result.rounds
        solution = result.solution
        objective, bound, status = solution.objective, solution.bound, solution.status
        extra = {
            "policy": policy,
            "best_total": solution.best_total,
            "best_total_bound": solution.best_total_bound,
            "bounds": dict(solution.bounds),
            "stages": [s.__dict__ for s in solution.stages],
            "people_seconds": result.placement.seconds,
            "people_status": result.placement.status,
            "shared_language": result.placement.shared_language,
            "topic_switches": result.placement.topic_switches,
            "interpretation": sum(group["count"] for group in result.interpretation),
        }
        violations = len(check(scenario, rounds, require_people=True))
    else:
        greedy = plan_greedily(scenario)
        seconds = time.perf_counter() - started
        attendees: dict = {}
        for d, p, s in greedy.attendance:
            attendees.setdefault((p, s), []).append(d)
        tables: dict = {}
        rounds = []
        for p, s in sorted(greedy.runs, key=lambda k: (k[1], k[0])):
            tables[s] = tables.get(s, 0) + 1
            rounds.append(
                Round(s, tables[s], p, scenario.program_by_id[p].host, tuple(attendees[p, s]))
            )
        objective, bound, status = greedy.objective, trivial_bound(scenario), "heuristic"
        violations = len(check(scenario, rounds))
    attendance = [(d, r.program, r.session) for r in rounds for d in r.attendees]
    got = shares(scenario, attendance)
    from matching.solver.model import worst_share

    share = worst_share(scenario, attendance)
    return dict(
        size=size,
        solver=solver,
        status=status,
        objective=objective,
        bound=bound,
        trivial_bound=trivial_bound(scenario),
        gap=(bound - objective) / bound if bound else 0.0,
        seconds=round(seconds, 3),
        violations=violations,
        worst_share=None if share is None else round(float(share), 4),
        below_half=sum(1 for v in got.values() if v < 0.5),
        interests=len(scenario.interests),
        **extra,
    )


def measure(size: str, solver: str) -> dict:
    """Run one solve in a subprocess; add its peak resident memory."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])
    )
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--one", size, solver],
        stdout=subprocess.PIPE,
        env=env,
    )
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise RuntimeError(f"{size}/{solver} failed with status {child.returncode}")
    result = json.loads(output)
    result["peak_mib"] = round(usage.ru_maxrss / 1024, 1)  # Linux reports KiB
    # Other work on the machine slows CP-SAT down; record how busy it was.
    result["load_after"] = round(os.getloadavg()[0], 2)
    return result


def verdict(row: dict) -> str:
    """The issue's targets for the "total" policy; time and memory for both."""
    spec = SIZES[row["size"]]
    misses = []
    if row.get("policy") == "total":
        if row["size"] == "small" and row["status"] != "optimal":
            misses.append("not proven optimal")
        elif row["size"] != "small":
            reference = row["bound"]
            if row["size"] == "large":
                reference = row["bounds"].get("lp_relaxation") or row["bound"]
            gap = (reference - row["objective"]) / reference
            if gap > spec["target_gap"] + 1e-12:
                misses.append(f"gap {gap:.2%} > {spec['target_gap']:.1%}")
    if row["seconds"] > spec["target_seconds"] * 1.05:
        misses.append(f"{row['seconds']:.1f} s > {spec['target_seconds']} s")
    if row["peak_mib"] > MEMORY_TARGET_MIB:
        misses.append(f"{row['peak_mib']:.0f} MiB > 2 GiB")
    if row["violations"]:
        misses.append(f"{row['violations']} checker violations")
    return "met" if not misses else "MISSED: " + "; ".join(misses)


def write_results(rows: list[dict]) -> None:
    lines = [
        "# Solver benchmark results",
        "",
        f"Generated by `bench/bench_solver.py` (seed {SEED}) on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, CP-SAT with 8 workers. "
        "Instances have named delegates (languages; about 12% arrive late or leave early), "
        "named presenters for about 30% of the programs of multi-delegate hosts, and topics. "
        "Each solve ran in its own subprocess; peak memory is that subprocess's max RSS. "
        "CP-SAT time is the whole `plan()` (LP relaxation, the policy's stages, placing people) "
        "within the size's time limit; `people` is the part spent placing people. "
        "`total` is the weight of interests met; `best total` the first stage's (no fairness); "
        "`bound` is the proven bound the schedule reports (under `price`: on the total of any "
        "schedule holding the worst share reached), `LP` the LP relaxation of the session model "
        "(rounded down), gap = (bound - total) / bound. "
        "Greedy's bound is the trivial one (every interest met). "
        "`< 1/2`: delegations getting under half their requested weight. "
        "`interp.`: attending delegates who share no language with the presenter. "
        "Load is the machine's 1-minute load average when the solve ended "
        "(above 2, other work was sharing the 2 cores).",
        "",
        "| size | delegations / programs / ranks | sessions x tables | interests | solver "
        "| status | total | best total | bound | LP | gap | worst share | < 1/2 | interp. "
        "| time (s) | people (s) | peak MiB | load | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        spec = SIZES[row["size"]]
        target = verdict(row) if row["solver"] != "greedy" else "-"
        bounds = row.get("bounds") or {}
        lines.append(
            f"| {row['size']} | {spec['delegations']} / {spec['programs']} / {spec['ranks']} "
            f"| {spec['sessions']} x {spec['tables']} | {row['interests']} | {row['solver']} "
            f"| {row['status']} | {row['objective']} | {row.get('best_total', '-')} "
            f"| {row['bound']} | {bounds.get('lp_relaxation', '-')} | {row['gap']:.2%} "
            f"| {row.get('worst_share')} | {row.get('below_half', '-')} "
            f"| {row.get('interpretation', '-')} | {row['seconds']:.2f} "
            f"| {row.get('people_seconds', '-')} "
            f"| {row['peak_mib']:.0f} | {row.get('load_after', '-')} | {target} |"
        )
    lines += [
        "",
        "Targets (issue 13, `total` policy): small proven optimal in under 1 s; medium within "
        "0.5% of its bound in 30 s; large within 2% of its LP relaxation in 120 s under 2 GiB. "
        "Worst share: satisfied / asked weight of the worst-served delegation.",
        "",
        "## Notes",
        "",
    ]
    by_key = {(row["size"], row["solver"]): row for row in rows}
    for size in SIZES:
        total, price = by_key.get((size, "cpsat-total")), by_key.get((size, "cpsat-price"))
        for row in (total, price):
            if not row:
                continue
            stages = ", ".join(
                f"{s['name']} {s['status']} in {s['seconds']:.1f} s" for s in row["stages"]
            )
            bounds = row["bounds"]
            lines.append(
                f"- {size}, {row['policy']}: stages {stages}; people {row['people_status']} in "
                f"{row['people_seconds']:.2f} s ({row['shared_language']} tables sharing a "
                f"language, {row['topic_switches']} topic switches). Bounds: CP-SAT "
                f"{bounds.get('cp_sat')}, LP {bounds.get('lp_relaxation')}, trivial "
                f"{bounds.get('trivial')}."
            )
        if total and price:
            cost = (total["objective"] - price["objective"]) / total["objective"]
            lines.append(
                f"- {size}: the price policy raises the worst share from {total['worst_share']} "
                f"to {price['worst_share']} for {cost:.2%} of the total "
                f"({total['below_half']} -> {price['below_half']} delegations under half)."
            )
    lines.append("")
    (HERE / "RESULTS.md").write_text("\n".join(lines))
    (HERE / "results.json").write_text(json.dumps(rows, indent=1) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", help=f"some of {', '.join(SIZES)} (default: all)")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "SOLVER"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-write", action="store_true", help="print rows, leave RESULTS.md alone"
    )
    parser.add_argument(
        "--rewrite", action="store_true", help="re-render RESULTS.md from results.json, no solving"
    )
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return 0
    if args.rewrite:
        write_results(json.loads((HERE / "results.json").read_text()))
        return 0
    unknown = set(args.sizes) - set(SIZES)
    if unknown:
        parser.error(f"unknown size(s): {', '.join(sorted(unknown))}")
    rows = []
    for size in args.sizes or list(SIZES):
        for solver in ("greedy", "cpsat-total", "cpsat-price"):
            row = measure(size, solver)
            print(json.dumps({k: v for k, v in row.items() if k != "stages"}), file=sys.stderr)
            rows.append(row)
    if not args.no_write:
        write_results(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
