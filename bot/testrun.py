"""``make test``: every check and test in order, then a summary table.

Steps after a failed ``train`` that need the model are reported as skipped.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

from bot import paths
from bot.launcher import base_env


@dataclass(frozen=True)
class Step:
    name: str
    what: str
    commands: tuple[tuple[str, ...], ...]
    needs_model: bool = False


PY = sys.executable
STEPS = (
    Step(
        "lint",
        "ruff lint and format",
        ((PY, "-m", "ruff", "check", "."), (PY, "-m", "ruff", "format", "--check", ".")),
    ),
    Step("knowledge", "knowledge check", ((PY, "-m", "bot", "kb", "check"),)),
    Step("derived", "derived files current", ((PY, "-m", "bot", "kb", "build", "--check"),)),
    Step("rasa-data", "rasa data validate", ((PY, "-m", "rasa", "data", "validate", "--quiet"),)),
    Step("train", "train once (if inputs changed)", ((PY, "-m", "bot", "train"),)),
    Step(
        "pytest",
        "units, actions, channels, live server",
        ((PY, "-m", "pytest", "-q", "-rs"),),
        needs_model=True,
    ),
    Step(
        "conversations",
        "rasa test --e2e on the trained model (NLU and dialogue)",
        (
            (
                *(PY, "-m", "rasa", "test", "core", "--e2e", "--fail-on-prediction-errors"),
                *("--stories", "tests/conversations", "--model", str(paths.models_dir())),
                *("--out", str(paths.var_dir() / "results" / "conversations")),
            ),
        ),
        needs_model=True,
    ),
)


def run_all(only: list[str] | None = None) -> int:
    known = {s.name for s in STEPS}
    unknown = set(only or []) - known
    if unknown:
        print(f"unknown steps: {', '.join(sorted(unknown))}; known: {', '.join(s.name for s in STEPS)}")
        return 2
    results: list[tuple[Step, str, float]] = []
    model_ok = True
    # Test conversations go to a log of their own, never into the real query log.
    env = base_env({"QUERY_LOG_DB": str(paths.var_dir() / "results" / "test-querylog.db")})
    for step in STEPS:
        if only and step.name not in only:
            continue
        if step.needs_model and not model_ok:
            results.append((step, "skipped", 0.0))
            continue
        print(f"\n==== {step.name}: {step.what}", flush=True)
        started = time.monotonic()
        status = "passed"
        for command in step.commands:
            if subprocess.run(command, cwd=paths.ROOT, env=env).returncode != 0:
                status = "FAILED"
                break
        if step.name == "train" and status != "passed":
            model_ok = False
        results.append((step, status, time.monotonic() - started))

    print("\n==== summary")
    for step, status, seconds in results:
        print(f"  {step.name:<14} {status:<8} {seconds:>6.0f} s   {step.what}")
    failed = [s.name for s, status, _ in results if status != "passed"]
    total = sum(seconds for _, _, seconds in results)
    print(f"  {'total':<14} {'':<8} {total:>6.0f} s")
    print("\nALL PASSED" if not failed else f"\nFAILED: {', '.join(failed)}")
    return 1 if failed else 0
