"""Does the creator's photo land under the scene it shows? (a script that prints figures, not a test)

tests/data/media_relevance.json: 24 scene lines (12 English, 12 Chinese) and which of 12 scikit-image sample
photos a person would put under each, committed before the matcher (see its "about"). The photos are saved
as IMG_0001.jpg … so only their content can match. Per line, every photo is scored (tools/media_match.py);
the line's best photo counts when the person accepted it.

    python tests/bench/media_relevance.py [--fit]     # --fit prints MEDIA_CALIBRATION fitted on these pairs

Last line: {"top1_en", "top1_zh", "fit_share_above_half", "fit_share_below_half", "n"}.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.optimize import minimize

from reelcraft.config import Settings
from reelcraft.media.illustration_index import ensure_index
from reelcraft.media.illustrations import library_dir
from reelcraft.storage.cache import hash_file
from reelcraft.tools.deps import Deps
from reelcraft.tools.media_match import MediaCalibration, media_scores, profile_media

SET = Path(__file__).resolve().parents[1] / "data" / "media_relevance.json"


def sample_photos(folder: Path) -> dict[str, Path]:
    """The labelled set's photos from scikit-image's bundled samples, under camera-style names."""
    from skimage import data

    spec = json.loads(SET.read_text(encoding="utf-8"))["photos"]
    out = {}
    for number, (key, sample) in enumerate(spec.items(), start=1):
        pixels = getattr(data, sample)()
        pixels = pixels[0] if isinstance(pixels, tuple) else pixels
        path = folder / f"IMG_{number:04d}.jpg"
        Image.fromarray(pixels).convert("RGB").save(path, quality=92)
        out[key] = path
    return out


def main() -> None:
    spec = json.loads(SET.read_text(encoding="utf-8"))
    work = Path(tempfile.mkdtemp(prefix="reelcraft-media-"))
    photos = sample_photos(work)
    keys = list(photos)
    deps = Deps.from_settings(Settings(home=work / "home", models_home=Settings().models_dir))
    index = ensure_index(library_dir(deps.settings.models_dir), deps.embedder())
    profiles = profile_media([(p, hash_file(p), "image", None) for p in photos.values()], deps)
    rows = spec["lines"]
    import reelcraft.tools.media_match as match

    if "--fit" in sys.argv:  # raw r and lead, then a logistic fit
        match.MEDIA_CALIBRATION = MediaCalibration(scale=1.0, lead=0.0, bias=0.0)
        logits = np.log(np.clip(media_scores([[r["line"]] for r in rows], profiles, [p.name for p in photos.values()],
                                             deps.embedder(), index)[0], 1e-12, 1 - 1e-12))  # fmt: skip
        r = np.log(np.exp(logits) / (1 - np.exp(logits)))
        fits = np.array([[k in row["accept"] for k in keys] for row in rows], dtype=float)
        lead = r - r.max(axis=1, keepdims=True)

        def loss(w: np.ndarray) -> float:
            z = w[0] * r + w[1] * lead + w[2]
            return float(np.sum(np.logaddexp(0, z) - fits * z))

        w = minimize(loss, np.array([50.0, 10.0, -3.0]), method="Nelder-Mead", options={"maxiter": 4000}).x
        print(f"MEDIA_CALIBRATION = MediaCalibration(scale={w[0]:.3f}, lead={w[1]:.3f}, bias={w[2]:.3f})")
        return
    scores, _ = media_scores([[r["line"]] for r in rows], profiles, [p.name for p in photos.values()],
                             deps.embedder(), index)  # fmt: skip
    hits: dict[str, list[bool]] = {"en": [], "zh": []}
    above, below = [], []
    for row, line_scores in zip(rows, scores, strict=True):
        best = keys[int(np.argmax(line_scores))]
        hits[row["language"]].append(best in row["accept"])
        for key, score in zip(keys, line_scores, strict=True):
            (above if score >= 0.5 else below).append(key in row["accept"])
        if best not in row["accept"]:
            print(f"miss: {row['line']} → {best} ({line_scores.max():.2f}), wanted {row['accept']}")
    for key, profile in zip(keys, profiles, strict=True):
        print(f"{key}: {profile.views[0].labels[:3] if profile else None}")
    print(json.dumps({"top1_en": round(float(np.mean(hits["en"])), 3), "top1_zh": round(float(np.mean(hits["zh"])), 3),
                      "fit_share_above_half": round(float(np.mean(above)), 3) if above else None,
                      "fit_share_below_half": round(float(np.mean(below)), 3) if below else None,
                      "n": len(rows)}))  # fmt: skip


if __name__ == "__main__":
    main()
