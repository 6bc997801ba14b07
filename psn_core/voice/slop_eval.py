"""Measuring the naturalness ("slop") check on a labelled corpus: the split, ROC AUC and pass rates.

The corpus lives in the repository's tests/data (see tests/data/slop_corpus/README.md): the train split
is slop_corpus/<lang>/train.yaml plus the older voice_corpus/<lang>.yaml samples, the held-out split is
slop_corpus/<lang>/heldout.yaml. benchmarks/fit_slop.py fits on the first, benchmarks/bench_slop.py and
tests/unit/voice/test_slop_benchmark.py report on the second. Pure Python: no numpy at check time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

Split = Literal["train", "heldout", "stress"]

# Targets from issue 20, checked on the held-out split.
TARGET_AUC = 0.90
TARGET_MODEL_PASSING = 0.25
TARGET_HUMAN_FLAGGED = 0.10


@dataclass(frozen=True)
class Labelled:
    """The posts of one split and language, with the files they came from."""

    human: list[str]
    model: list[str]
    files: list[str]


def _read(path: Path) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of class name to posts")
    return {str(k): [str(t) for t in v] for k, v in data.items()}


def split_files(data_dir: Path, language: str, split: Split) -> list[Path]:
    """The corpus files of ``split`` for ``language`` under ``data_dir`` (the repository's tests/data)."""
    if split == "heldout":
        return [data_dir / "slop_corpus" / language / "heldout.yaml"]
    if split == "stress":  # a diagnostic, neither train nor held-out (see the corpus README)
        return [data_dir / "slop_corpus" / "stress" / f"{language}.yaml"]
    return [data_dir / "slop_corpus" / language / "train.yaml", data_dir / "voice_corpus" / f"{language}.yaml"]


def load_split(data_dir: Path, language: str, split: Split) -> Labelled:
    """Human and model posts of one split (voice_corpus's ``ai`` class counts as ``model``)."""
    human: list[str] = []
    model: list[str] = []
    files = split_files(data_dir, language, split)
    for path in files:
        data = _read(path)
        human += data.get("human", [])
        model += data.get("model", []) + data.get("ai", [])
    return Labelled(human=human, model=model, files=[f"{p.parent.name}/{p.name}" for p in files])


def roc_auc(human_scores: Sequence[float], model_scores: Sequence[float]) -> float:
    """Probability that a random human post scores higher (reads more human) than a random model post,
    ties counting half: the area under the ROC curve."""
    if not human_scores or not model_scores:
        raise ValueError("both classes need at least one score")
    wins = 0.0
    for h in human_scores:
        for m in model_scores:
            wins += 1.0 if h > m else 0.5 if h == m else 0.0
    return wins / (len(human_scores) * len(model_scores))


@dataclass(frozen=True)
class SplitResult:
    language: str
    split: Split
    human: int
    model: int
    auc: float
    model_passing: float  # share of model posts that read human
    human_flagged: float  # share of human posts that do not

    def meets_targets(self) -> bool:
        return (
            self.auc >= TARGET_AUC
            and self.model_passing <= TARGET_MODEL_PASSING
            and self.human_flagged <= TARGET_HUMAN_FLAGGED
        )


def evaluate(data_dir: Path, language: str, split: Split) -> SplitResult:
    """Score every post of a split with the shipped check and measure it."""
    from psn_core.voice.naturalness import check_naturalness

    corpus = load_split(data_dir, language, split)
    human = [check_naturalness(t, None, language) for t in corpus.human]
    model = [check_naturalness(t, None, language) for t in corpus.model]
    return SplitResult(
        language=language,
        split=split,
        human=len(human),
        model=len(model),
        auc=round(roc_auc([r.score for r in human], [r.score for r in model]), 4),
        model_passing=round(sum(r.reads_human for r in model) / len(model), 4),
        human_flagged=round(sum(not r.reads_human for r in human) / len(human), 4),
    )
