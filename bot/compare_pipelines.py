"""Measure intent classifiers on this data: training time and accuracy on the dev questions.

``python -m bot.compare_pipelines [--diet-epochs N]`` trains the NLU part with each variant
(config.yml with its intent classifier swapped) and prints a table; the README quotes it.
Only the NLU is measured (no dialogue), on the dev questions, which are never trained on.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bot import paths
from bot.evaluate import EMERGENCY, OOS, load_items
from bot.knowledge.loader import TOPIC_INTENTS, load
from bot.launcher import base_env

OURS = "bot.nlu.intent_classifier.TfidfIntentClassifier"


def variants(diet_epochs: int) -> dict[str, dict | None]:
    diet = {
        "name": "DIETClassifier",
        "entity_recognition": False,
        "constrain_similarities": True,
        "random_seed": 42,
    }
    return {
        "tfidf-lr (ours)": None,
        f"DIET, no transformer, {diet_epochs} epochs": {
            **diet,
            "epochs": diet_epochs,
            "number_of_transformer_layers": 0,
        },
        f"DIET, 2 transformer layers, {diet_epochs} epochs": {**diet, "epochs": diet_epochs},
    }


def config_with(classifier: dict | None) -> dict:
    config = yaml.safe_load((paths.ROOT / "config.yml").read_text(encoding="utf-8"))
    if classifier is not None:
        config["pipeline"] = [classifier if c["name"] == OURS else c for c in config["pipeline"]]
    return config


def expected_intent(expect: str, kb) -> str | None:
    if expect in kb.entries:
        return TOPIC_INTENTS[kb.entries[expect].topic]
    return {OOS: "out_of_scope", EMERGENCY: "emergency"}.get(expect, expect)


def measure(name: str, classifier: dict | None, items: list[dict], kb, workdir: Path) -> dict:
    config_path = workdir / f"config-{abs(hash(name))}.yml"
    config_path.write_text(yaml.safe_dump(config_with(classifier), allow_unicode=True), encoding="utf-8")
    out = workdir / f"model-{abs(hash(name))}"
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config_path), "--out", str(out)],
        cwd=paths.ROOT,
        env=base_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.monotonic() - started
    from rasa.core.agent import Agent

    agent = Agent.load(str(next(out.glob("*.tar.gz"))))

    async def parse_all():
        return [await agent.parse_message(item["text"]) for item in items]

    parsed = asyncio.run(parse_all())
    intent_ok, answer_ok, answers = 0, 0, 0
    for item, result in zip(items, parsed, strict=True):
        intent_ok += result["intent"]["name"] == expected_intent(item["expect"], kb)
        if item["expect"] in kb.entries:
            answers += 1
            ranking = result.get("response_selector", {}).get("default", {}).get("ranking", [])
            answer_ok += bool(ranking) and ranking[0]["intent_response_key"].endswith("/" + item["expect"])
    return {
        "name": name,
        "train_s": seconds,
        "intent": intent_ok / len(items),
        "answer": answer_ok / answers if answers else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--diet-epochs", type=int, default=80)
    args = parser.parse_args(argv)
    kb = load()
    items = load_items(in_scope_ids=set(kb.entries))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, classifier in variants(args.diet_epochs).items():
            print(f"training: {name} …", flush=True)
            rows.append(measure(name, classifier, items, kb, Path(tmp)))
    print(f"\n{len(items)} dev questions; NLU training time includes featurizers and the answer selector")
    print(f"{'intent classifier':<42} {'train':>7} {'intent':>7} {'answer top-1':>12}")
    for row in rows:
        print(f"{row['name']:<42} {row['train_s']:>6.0f}s {row['intent']:>7.1%} {row['answer']:>12.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
