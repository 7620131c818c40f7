"""Does a picture's score of 0.5 mean "a person would call it a fit"? (a script that prints figures)

Fits the matcher's calibration (tools/visual_match.py, CALIBRATION) on the 100 labelled lines, or checks it on
any labelled file. The candidates are each line's top ten pictures (one per subgroup, as the pipeline ranks
them); a candidate is a fit when it is one of the pictures the person accepted. Unlisted pictures count as
misfits, so the scores lean low.

    python tests/bench/visual_calibration.py --fit            # prints the constants to paste into CALIBRATION
    python tests/bench/visual_calibration.py [--file F]       # reliability of the committed constants on F

Last line: {"en"/"zh": {"brier", "fit_share_above_half", "fit_share_below_half", "lines_top_above_half",
"top_fit_when_above_half"}, "n"}.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from visual_relevance import LINES, accepted

from reelcraft.config import Settings
from reelcraft.media.illustration_index import ensure_index
from reelcraft.media.illustrations import library_dir
from reelcraft.tools.deps import Deps
from reelcraft.tools.visual_match import _priors, calibrated_logits, match_features, rank_values, ranked_rows

CANDIDATES = 10


def _arg(name: str) -> str | None:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


def candidates(rows: list[dict], index, embedder) -> dict[str, list[tuple[float, float, float, float, int, int]]]:
    """Per language: (r, r − the line's best r, prior, logit, fit, line number) for each line's top candidates."""
    priors = _priors(index)
    out: dict[str, list[tuple[float, float, float, float, int, int]]] = {"en": [], "zh": []}
    for number, row in enumerate(rows):
        features = match_features(row["line"], row["language"], index, embedder)
        logits = calibrated_logits(features, row["language"], index)
        values = rank_values(features)
        best = float(np.max(values + priors))
        for position in ranked_rows(logits, index, CANDIDATES):
            concept = index.concepts[position]
            out[row["language"]].append((float(values[position]), float(values[position] - best),
                                         float(priors[position]), float(logits[position]),
                                         int(accepted(concept.emoji, row["accept"])), number))  # fmt: skip
    return out


def fit(samples: list[tuple[float, float, float, float, int, int]]) -> tuple[float, float, float]:
    data = np.array(samples)
    value, lead, prior, fits = data[:, 0], data[:, 1], data[:, 2], data[:, 4]

    def loss(w: np.ndarray) -> float:
        z = w[0] * value + w[1] * lead + w[2] + prior
        return float(np.sum(np.logaddexp(0, z) - fits * z))

    result = minimize(loss, np.array([30.0, 10.0, -5.0]), method="Nelder-Mead",
                      options={"maxiter": 4000, "xatol": 1e-4, "fatol": 1e-6})  # fmt: skip
    return tuple(round(float(v), 3) for v in result.x)  # type: ignore[return-value]


def reliability(samples: list[tuple[float, float, float, float, int, int]]) -> dict[str, float]:
    data = np.array(samples)
    score, fits, lines = 1 / (1 + np.exp(-data[:, 3])), data[:, 4], data[:, 5]
    above = score >= 0.5
    for low in np.arange(0.0, 1.0, 0.1):
        chosen = (score >= low) & (score < low + 0.1)
        if chosen.any():
            print(f"  scores {low:.1f}–{low + 0.1:.1f}: {chosen.sum():4d} pictures, {fits[chosen].mean():.2f} fit")
    tops = np.array([score[lines == n].max() for n in np.unique(lines)])
    top_fits = np.array([fits[lines == n][np.argmax(score[lines == n])] for n in np.unique(lines)])
    return {"brier": round(float(np.mean((score - fits) ** 2)), 3),
            "fit_share_above_half": round(float(fits[above].mean()), 3) if above.any() else 0.0,
            "fit_share_below_half": round(float(fits[~above].mean()), 3) if (~above).any() else 0.0,
            "lines_top_above_half": round(float(np.mean(tops >= 0.5)), 3),
            "top_fit_when_above_half": round(float(top_fits[tops >= 0.5].mean()), 3) if (tops >= 0.5).any()
            else 0.0}  # fmt: skip


def main() -> None:
    path = Path(_arg("--file") or LINES)
    rows = json.loads(path.read_text(encoding="utf-8"))
    settings = Settings(home=Path(tempfile.mkdtemp(prefix="reelcraft-calib-")), models_home=Settings().models_dir)
    embedder = Deps.from_settings(settings).embedder()
    index = ensure_index(library_dir(settings.models_dir), embedder, on_rebuild=print)
    found = candidates(rows, index, embedder)
    if "--fit" in sys.argv:
        for language, samples in found.items():
            scale, lead, bias = fit(samples)
            print(f'"{language}": Calibration(scale={scale}, lead={lead}, bias={bias}),')
        return
    report = {}
    for language, samples in found.items():
        print(language)
        report[language] = reliability(samples)
    print(json.dumps(report | {"n": len(rows)}))


if __name__ == "__main__":
    main()
