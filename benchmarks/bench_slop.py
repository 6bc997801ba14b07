"""The naturalness ("slop") check on the held-out split of the labelled corpus, per language.

Run: ``uv run python benchmarks/bench_slop.py``. Scores every held-out post of tests/data/slop_corpus
with the shipped check (tells, generic-writing signals, fitted calibration) exactly as check_draft does,
and reports per language: ROC AUC (human posts should score higher), the share of model posts that pass
as "reads human", the share of human posts flagged, against issue 20's targets (AUC >= 0.90, <= 25% of
model posts passing, <= 10% of human posts flagged); the same figures on the train split for
comparison; the stress set (invented specifics in model posts, detail-free human tips; a diagnostic,
not a target); and the time one check takes (p50/p99 over the corpus, warm). Writes JSON to
benchmarks/results/. A few seconds. The weights were fitted on the train split only
(benchmarks/fit_slop.py), but the held-out split is not untouched: it was written before the signals,
then looked at four times while they were tuned (tests/data/slop_corpus/README.md), so its figures are
optimistic; signal phrases that matched only held-out posts were dropped (a unit test keeps it so).
Both classes were written for psn's tests by a language model (no real human posts): the figures say how
well the check separates these two styles, not how it does on real posts. The JSON's "caveats" says so.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench_env import percentile, save

from psn_core.voice import check_naturalness
from psn_core.voice.signals import load_calibration
from psn_core.voice.slop_eval import (
    TARGET_AUC,
    TARGET_HUMAN_FLAGGED,
    TARGET_MODEL_PASSING,
    evaluate,
    load_split,
)

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
LANGUAGES = ("en", "es")


def _timing(language: str) -> dict[str, float]:
    corpus = load_split(DATA, language, "heldout")
    texts = corpus.human + corpus.model
    check_naturalness(texts[0], None, language)  # load and compile once, as a running psn has
    times = []
    for text in texts * 3:
        started = time.perf_counter()
        check_naturalness(text, None, language)
        times.append(time.perf_counter() - started)
    return {"p50_ms": round(percentile(times, 0.5) * 1000, 3), "p99_ms": round(percentile(times, 0.99) * 1000, 3)}


def main() -> None:
    results: dict[str, Any] = {
        "targets": {
            "auc_min": TARGET_AUC,
            "model_passing_max": TARGET_MODEL_PASSING,
            "human_flagged_max": TARGET_HUMAN_FLAGGED,
        },
        "corpus": "tests/data/slop_corpus (written for psn's tests; see its README.md)",
        "caveats": [
            "The held-out split was looked at four times while the signals were tuned (see the corpus "
            "README): it is not untouched and its figures are optimistic.",
            "Signal phrases that matched held-out posts and no train post were dropped before this run "
            "(tests/unit/voice/test_slop_benchmark.py keeps it so); the weights were re-fitted on train.",
            "Both classes (human and model) were written for psn's tests by a language model; there are no "
            "real human posts, so the figures measure how well the check separates these two styles.",
        ],
    }
    all_met = True
    for language in LANGUAGES:
        held = evaluate(DATA, language, "heldout")
        train = evaluate(DATA, language, "train")
        stress = evaluate(DATA, language, "stress")
        calibration = load_calibration(language)
        met = held.meets_targets()
        all_met &= met
        results[language] = {
            "heldout": asdict(held),
            "train": asdict(train),
            "stress_not_a_target": asdict(stress),
            "meets_targets": met,
            "pass_score": calibration.pass_score if calibration else None,
            "check_time": _timing(language),
        }
        print(
            f"{language} held-out: {held.human} human / {held.model} model, AUC {held.auc:.3f}, "
            f"model passing {held.model_passing:.0%}, human flagged {held.human_flagged:.0%} "
            f"({'meets' if met else 'MISSES'} targets); train AUC {train.auc:.3f}; "
            f"check p50 {results[language]['check_time']['p50_ms']} ms; stress set (not a target): "
            f"model passing {stress.model_passing:.0%}, human flagged {stress.human_flagged:.0%}"
        )
    results["meets_targets"] = all_met
    print(f"saved {save('slop', results)}")


if __name__ == "__main__":
    main()
