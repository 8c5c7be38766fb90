"""``python -m bot crossval``: 5-fold cross-validation of the NLU (``rasa test nlu``).

Trains the pipeline five times on four fifths of the training data and tests it on the rest;
prints intent and answer-selection figures and the time taken. Reports are kept in
var/results/crossval/.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bot import paths
from bot.knowledge import derive
from bot.launcher import base_env


def _summary(report: Path) -> dict[str, float] | None:
    """Accuracy and weighted F1 of one report of ``rasa test nlu``."""
    if not report.is_file():
        return None
    data = json.loads(report.read_text(encoding="utf-8"))
    weighted = data.get("weighted avg") or {}
    return {"accuracy": float(data.get("accuracy", 0.0)), "f1": float(weighted.get("f1-score", 0.0))}


def main(folds: int = 5) -> int:
    derive.build()
    out = paths.var_dir() / "results" / "crossval"
    out.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "rasa",
        "test",
        "nlu",
        "--cross-validation",
        "--folds",
        str(folds),
        "--config",
        "config.yml",
        "--nlu",
        "data/nlu",
        "--domain",
        "domain.yml",
        "--out",
        str(out),
        "--no-plot",
    ]
    started = time.monotonic()
    done = subprocess.run(command, cwd=paths.ROOT, env=base_env(), check=False)
    minutes = (time.monotonic() - started) / 60
    if done.returncode != 0:
        print(f"rasa test nlu failed (exit {done.returncode})", file=sys.stderr)
        return done.returncode
    print(f"\n{folds}-fold cross-validation of the NLU ({minutes:.1f} min), test folds:")
    for name, file in (("intent", "intent_report.json"), ("answer", "response_selection_report.json")):
        figures = _summary(out / file)
        if figures:
            print(f"  {name:<7} accuracy {figures['accuracy']:.1%}  weighted F1 {figures['f1']:.1%}")
    print(f"reports: {out.relative_to(paths.ROOT)}")
    return 0
