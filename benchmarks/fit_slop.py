"""Fit what each naturalness finding costs, per language, on the TRAIN split of the slop corpus only.

Run: ``uv run python benchmarks/fit_slop.py`` (writes psn_core/voice/data/calibration/<lang>.yaml).

Features: the raw amount of every finding code (psn_core.voice.naturalness.raw_findings) on each train
post. Model: logistic regression (numpy), y = 1 for model-written, features scaled by their train
standard deviation, L2 penalty chosen by 5-fold cross-validated ROC AUC on the train split, weights
constrained to be >= 0 (a finding never makes a post read more human), and for the hand-set tells (whose
raw unit is one hand-set point) to at least ``FLOOR`` log-odds per point (a stock phrase always costs
something, even when the corpus has few of them). Emoji and hashtag stuffing stay outside the fit at
their full hand-set points (``FULL_POINTS``): the corpus has too few stuffed posts to price them.
The pass threshold is chosen on the train split's out-of-fold scores, as far inside issue 20's two
error targets as possible; log-odds then become points so that the threshold sits at ``PASS_SCORE``.
The held-out split is never read here.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import numpy.typing as npt

from psn_core.voice import load_tells
from psn_core.voice.naturalness import raw_findings
from psn_core.voice.signals import load_signals
from psn_core.voice.slop_eval import TARGET_HUMAN_FLAGGED, TARGET_MODEL_PASSING, load_split, roc_auc
from psn_core.voice.yamlio import dump_yaml, write_atomic

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
OUT = ROOT / "psn_core" / "voice" / "data" / "calibration"
LANGUAGES = ("en", "es")
PASS_SCORE = 80
FLOOR = 0.05
L2_GRID = (0.003, 0.01, 0.03, 0.1, 0.3)
FOLDS = 5
SEED = 20
# Codes that depend on the user's profile or recent posts: not in the corpus, priced by the tells.
UNPRICED = {"never_use", "anti_pattern", "repeated_structure", "repeated_opener"}
# Stuffing is rare in the corpus, so a fit prices it near the floor and 8 emoji + 8 hashtags read human;
# these codes stay outside the fit at their full hand-set points (1 point per hand-set point).
FULL_POINTS = ("emoji_stuffing", "hashtag_stuffing")

Matrix = npt.NDArray[np.float64]


def _features(texts: list[str], language: str, codes: list[str]) -> Matrix:
    rows = [raw_findings(t, language) for t in texts]
    return np.array([[row.get(code, 0.0) for code in codes] for row in rows], dtype=np.float64)


def _codes(language: str) -> tuple[list[str], set[str]]:
    tells = load_tells(language)
    signals = load_signals(language)
    if signals is None:
        raise SystemExit(f"psn ships no generic-writing signals for {language}")
    hand = [f.code for f in tells.phrase_tells] + [
        "uniform_sentences",
        "uniform_paragraphs",
        "repeated_starts",
        "no_specifics",
        "list_heavy",
        "em_dash_overuse",
        "emoji_stuffing",
        "hashtag_stuffing",
    ]
    if tells.contractions is not None:
        hand.append("no_contractions")
    new = [signals.concrete.code, *(p.code for p in signals.patterns)]
    new += [signals.rhythm.code, signals.rhythm.no_fragment_code]
    return [c for c in dict.fromkeys(hand + new) if c not in FULL_POINTS], set(hand)


def _fit(x: Matrix, y: Matrix, l2: float, lower: Matrix, steps: int = 4000) -> tuple[float, Matrix]:
    """L2 logistic regression with weights >= ``lower``, by projected gradient descent (x already scaled)."""
    n = x.shape[0]
    w = lower.copy()
    b = 0.0
    rate = 0.5
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad_w = x.T @ (p - y) / n + l2 * w
        grad_b = float(np.mean(p - y))
        w = np.maximum(lower, w - rate * grad_w)
        b -= rate * grad_b
    return b, w


def _folds(n: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(SEED).shuffle(order)
    return [order[i::FOLDS] for i in range(FOLDS)]


def _out_of_fold(x: Matrix, y: Matrix, l2: float, lower: Matrix) -> Matrix:
    logits = np.zeros(len(y))
    for held in _folds(len(y)):
        train = np.array([i for i in range(len(y)) if i not in set(held)])
        b, w = _fit(x[train], y[train], l2, lower)
        logits[held] = x[held] @ w + b
    return logits


def _auc(logits: Matrix, y: Matrix) -> float:
    # Higher logit = more model-like; roc_auc wants "higher = more human".
    return roc_auc([-v for v in logits[y == 0]], [-v for v in logits[y == 1]])


def _threshold(logits: Matrix, y: Matrix) -> float:
    """The cut (flag at or above it) that keeps both error rates furthest inside issue 20's targets:
    the smallest max(human flagged / 10%, model passing / 25%), ties broken by fewer humans flagged."""
    human, model = logits[y == 0], logits[y == 1]
    candidates = np.unique(np.concatenate([logits, logits + 1e-9]))

    def cost(cut: float) -> tuple[float, float]:
        flagged = float(np.mean(human >= cut))
        passing = float(np.mean(model < cut))
        return (max(flagged / TARGET_HUMAN_FLAGGED, passing / TARGET_MODEL_PASSING), flagged)

    return float(min(candidates, key=cost))


def fit_language(language: str) -> dict[str, object]:
    corpus = load_split(DATA, language, "train")
    codes, hand = _codes(language)
    texts = corpus.human + corpus.model
    y = np.array([0.0] * len(corpus.human) + [1.0] * len(corpus.model))
    raw = _features(texts, language, codes)
    scale = raw.std(axis=0)
    scale[scale == 0] = 1.0
    x = raw / scale
    # Hand-set tells (raw unit = one hand-set point) cost at least FLOOR log-odds per point.
    lower = np.array([FLOOR * s if code in hand else 0.0 for code, s in zip(codes, scale, strict=True)])
    cv = {l2: _auc(_out_of_fold(x, y, l2, lower), y) for l2 in L2_GRID}
    l2 = max(cv, key=lambda k: (round(cv[k], 4), k))
    cut = _threshold(_out_of_fold(x, y, l2, lower), y)
    b, w = _fit(x, y, l2, lower)
    per_point = (cut - b) / (100 - PASS_SCORE)
    if per_point <= 0:
        raise SystemExit(f"{language}: a post with no finding would be flagged; check the corpus")
    prices = (w / scale) / per_point
    full = _features(texts, language, list(FULL_POINTS))  # outside the fit, at their hand-set points
    scores = np.clip(np.round(100 - raw @ prices - full.sum(axis=1)), 0, 100)
    human_s, model_s = scores[y == 0], scores[y == 1]
    return {
        "language": language,
        "pass_score": PASS_SCORE,
        "points_per_unit": {
            **{code: round(float(p), 4) for code, p in zip(codes, prices, strict=True)},
            **dict.fromkeys(FULL_POINTS, 1.0),
        },
        "intercept": round(b, 4),
        "logit_per_point": round(per_point, 5),
        "fit": {
            "method": (
                "logistic regression (benchmarks/fit_slop.py): features scaled by train std, weights >= 0 "
                f"(hand-set tells >= {FLOOR} log-odds per hand-set point; {', '.join(FULL_POINTS)} outside the "
                "fit at their full hand-set points), L2 by 5-fold CV AUC on train "
                f"(grid {list(L2_GRID)}); pass line on the out-of-fold train scores, as far inside the targets "
                "(<= 10% human flagged, <= 25% model passing) as possible"
            ),
            "corpus": corpus.files,
            "train_human": len(corpus.human),
            "train_model": len(corpus.model),
            "l2": l2,
            "train_auc": round(roc_auc(list(human_s), list(model_s)), 4),
            "train_human_flagged": round(float(np.mean(human_s < PASS_SCORE)), 4),
            "train_model_passing": round(float(np.mean(model_s >= PASS_SCORE)), 4),
        },
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        result = fit_language(language)
        header = (
            f"# Points per raw unit of each finding for {language}, fitted by benchmarks/fit_slop.py on the train\n"
            "# split of tests/data/slop_corpus only (held-out figures: benchmarks/bench_slop.py). Do not hand-edit:\n"
            "# change the signals or the corpus and re-run the fit.\n"
        )
        write_atomic(OUT / f"{language}.yaml", header + dump_yaml(result))
        print(language, result["fit"])


if __name__ == "__main__":
    main()
