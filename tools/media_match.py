"""What the creator's photos and clips show, and which scene each fits: content labels, the file's name and
the multilingual text embedder, combined into one calibrated score per scene and file.

A file is looked at once (cached by the hash of its bytes): a photo as itself, a clip as frames sampled along
it, each read by the ImageNet classifier (models/vision.py). A scene is its narration, shot and on-screen
text; a file's description is its labels and the words in its name. Long clips keep the view that fits best,
so a 2-minute clip gives the scene its best moment, not its first seconds.
"""

from __future__ import annotations

import re
import subprocess
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageOps
from pydantic import BaseModel

from reelcraft.errors import ReelcraftError
from reelcraft.language import CJK_IDEOGRAPH
from reelcraft.media.illustration_index import IllustrationIndex
from reelcraft.media.probe import ffmpeg_binary
from reelcraft.protocols import Embedder
from reelcraft.tools.deps import Deps
from reelcraft.tools.visual_match import match_logits, rank_logits

PROFILE_VERSION = 1
LABEL_FLOOR = 0.1
"""Labels below this probability are left out of a file's description (the first is always kept)."""
MAX_VIEWS = 12
_CAMERA_NAME = re.compile(r"^(?:img|dsc|dscn|dcim|mov|mvi|vid|pxl|gopr|photo|video|clip|image|screenshot|"
                          r"wechat|signal|whatsapp|\d+|[a-f0-9]{8,})$", re.I)  # fmt: skip


class MediaView(BaseModel):
    at: float
    """Seconds into the clip (0 for a photo)."""
    labels: list[tuple[str, float]]


class MediaProfile(BaseModel):
    """What one file shows, as the classifier read it."""

    digest: str
    name: str
    kind: Literal["image", "video"]
    duration: float | None = None
    views: list[MediaView]

    def description(self, view: MediaView) -> str:
        """The passage the embedder reads: what the classifier saw, then the file name's own words."""
        seen = [name for i, (name, p) in enumerate(view.labels) if i == 0 or p >= LABEL_FLOOR]
        words = name_words(self.name)
        return f"a photo of {', '.join(seen)}" + (f"; {words}" if words else "")


def name_words(file_name: str) -> str:
    """The words a person wrote in a file name ('beach_sunset-2.jpg' → 'beach sunset'); camera names say nothing."""
    parts = re.split(r"[\W_]+", Path(file_name).stem)
    return " ".join(p for p in parts if p and not _CAMERA_NAME.match(p))


def view_times(duration: float | None) -> list[float]:
    """Where a clip is looked at: its middle when short, else every few seconds along it (at most 12)."""
    if not duration or duration <= 12:
        return [round((duration or 0) / 2, 3)]
    step = max(4.0, duration / MAX_VIEWS)
    return [round(t, 3) for t in np.arange(step / 2, duration - 0.5, step)[:MAX_VIEWS]]


def _frame(path: Path, seconds: float, ffmpeg: str) -> Image.Image:
    png = subprocess.run([ffmpeg_binary(ffmpeg), "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(path),
                          "-frames:v", "1", "-vf", "scale=320:-2", "-f", "image2pipe", "-vcodec", "png", "-"],
                         capture_output=True, timeout=60).stdout  # fmt: skip
    return Image.open(BytesIO(png)).convert("RGB")


def profile_media(files: list[tuple[Path, str, Literal["image", "video"], float | None]],
                  deps: Deps) -> list[MediaProfile | None]:  # fmt: skip
    """(path, digest, kind, duration) → what each file shows, cached by its digest; None (with a warning) for
    a file that could not be looked at (it is still usable, matched by its name only)."""
    from reelcraft.models.vision import image_labeller

    labeller = image_labeller()
    out: list[MediaProfile | None] = []
    for number, (path, digest, kind, duration) in enumerate(files, start=1):
        deps.progress("visuals", f"looking at your media {number}/{len(files)}: {path.name}")

        def make(folder: Path, path: Path = path, digest: str = digest, kind: str = kind,
                 duration: float | None = duration) -> None:  # fmt: skip
            times = [0.0] if kind == "image" else view_times(duration)
            if kind == "image":
                with Image.open(path) as opened:
                    pictures = [ImageOps.exif_transpose(opened).convert("RGB")]
            else:
                pictures = [_frame(path, t, deps.settings.ffmpeg) for t in times]
            labels = labeller.labels(pictures)
            profile = MediaProfile(digest=digest, name=path.name, kind=kind, duration=duration,  # type: ignore[arg-type]
                                   views=[MediaView(at=t, labels=found) for t, found in zip(times, labels,
                                                                                           strict=True)])  # fmt: skip
            (folder / "profile.json").write_text(profile.model_dump_json(), encoding="utf-8")

        try:
            _, folder = deps.cache.get_or_make("media_profile", {"digest": digest, "model": labeller.name,
                                                                 "v": PROFILE_VERSION}, make)  # fmt: skip
            profile = MediaProfile.model_validate_json((folder / "profile.json").read_text(encoding="utf-8"))
            out.append(profile.model_copy(update={"name": path.name}))
        except (OSError, ValueError, subprocess.SubprocessError, ReelcraftError) as exc:
            deps.warn("visuals", f"could not look inside {path.name} ({type(exc).__name__}); matching it by name")
            out.append(None)
    return out


# e5 scores shift from line to line: a file's score is read against how the line scores a fixed spread of
# everyday ImageNet things (every 25th class), so one file in a folder is scored as fairly as fifty
_REFERENCE_CLASSES = 25


def _reference_descriptions() -> list[str]:
    from reelcraft.models.vision import class_names

    return [f"a photo of {n.split(',')[0]}" for n in class_names()[::_REFERENCE_CLASSES]]


@lru_cache(maxsize=4)
def _reference(embedder: Embedder, index: IllustrationIndex | None = None) -> np.ndarray:
    """The reference things embedded once per embedder (in Chinese words too, given the picture index): every
    scene of every search is read against the same spread."""
    descriptions = _reference_descriptions()
    return embedder.passages(descriptions if index is None else chinese_descriptions(descriptions, index, embedder))


def chinese_descriptions(descriptions: list[str], index: IllustrationIndex | None, embedder: Embedder) -> list[str]:
    """The same descriptions in Chinese words, through the picture library: ImageNet names are English only,
    and e5 matches '猫' to 'tabby' poorly across languages, but 'tabby, Egyptian cat' ranks 🐈 first, and 🐈's
    Chinese keywords say 猫. Empty strings when the library is not installed."""
    if index is None:
        return ["" for _ in descriptions]
    out = []
    for text in descriptions:
        things = text.removeprefix("a photo of ")  # 'photo' itself would bring the camera first
        ranked = rank_logits(match_logits(things, "en", index, embedder), index, top=2)
        out.append("，".join(f"{c.label_zh}、{'、'.join(c.tags_zh[:3])}" for c, _ in ranked))
    return out


class MediaCalibration(BaseModel):
    """score = sigmoid(scale · r + lead · (r − the scene's best r) + bias), r = e5(scene, file) − the scene's
    median e5 over the reference things. Fitted by `tests/bench/media_relevance.py --fit`."""

    scale: float
    lead: float
    bias: float


MEDIA_CALIBRATION = MediaCalibration(scale=39.053, lead=44.073, bias=-1.723)


def media_scores(scenes: list[list[str]], profiles: list[MediaProfile | None], names: list[str],
                 embedder: Embedder, index: IllustrationIndex | None = None, notes: list[str] | None = None,
                 ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Per scene and file: the calibrated score that the file shows the scene, and the view (frame) that
    fits best. A file nobody could look inside is described by its name alone. Chinese scene texts are read
    against Chinese descriptions (`chinese_descriptions`, through the picture `index`) when there is one.
    `notes`: more words per file (a stock site's alt text or tags)."""
    passages: list[str] = []
    owner: list[tuple[int, int]] = []
    for m, (profile, name) in enumerate(zip(profiles, names, strict=True)):
        if profile is None:
            extra = f"; {notes[m]}" if notes and notes[m] else ""
            passages.append(f"a photo of {name_words(name) or 'something'}{extra}")
            owner.append((m, 0))
            continue
        for v, view in enumerate(profile.views):
            passages.append(profile.description(view) + (f"; {notes[m]}" if notes and notes[m] else ""))
            owner.append((m, v))
    vectors = embedder.passages(passages)
    reference = _reference(embedder)
    zh_vectors = zh_reference = None
    if index is not None and any(CJK_IDEOGRAPH.search(t) for texts in scenes for t in texts):
        zh_vectors = embedder.passages(chinese_descriptions(passages, index, embedder))
        zh_reference = _reference(embedder, index)
    best = np.full((len(scenes), len(names)), -np.inf)
    view = np.zeros((len(scenes), len(names)), dtype=int)
    for s, texts in enumerate(scenes):
        for text in (t for t in texts if t.strip()):
            query = embedder.query(text)
            chinese = zh_vectors is not None and zh_reference is not None and CJK_IDEOGRAPH.search(text)
            mine, base = (zh_vectors, zh_reference) if chinese else (vectors, reference)
            values = mine @ query - float(np.median(base @ query))
            for (m, v), value in zip(owner, values, strict=True):
                if value > best[s, m]:
                    best[s, m], view[s, m] = value, v
    calibration = MEDIA_CALIBRATION
    lead = best - best.max(axis=1, keepdims=True) if names else best
    logits = calibration.scale * best + calibration.lead * lead + calibration.bias
    return 1 / (1 + np.exp(-logits)), view


MUTUAL_FLOOR = 0.3
"""A pair below the fit floor is still made when the file is the scene's best and the scene is the file's best:
the creator chose these files, and an unambiguous pairing is more likely right than its score says."""


def assign_media(scores: np.ndarray, floor: float) -> list[int | None]:
    """Best pairs first: each file shows at most one scene, where it fits (score ≥ floor), then mutual best
    pairs above MUTUAL_FLOOR."""
    assigned: list[int | None] = [None] * scores.shape[0]
    used: set[int] = set()
    for flat in np.argsort(-scores, axis=None):
        s, m = divmod(int(flat), scores.shape[1])
        if scores[s, m] < MUTUAL_FLOOR:
            break
        mutual = int(np.argmax(scores[s])) == m and int(np.argmax(scores[:, m])) == s
        if assigned[s] is None and m not in used and (scores[s, m] >= floor or mutual):
            assigned[s], _ = m, used.add(m)
    return assigned


def best_start(profile: MediaProfile | None, view: int, scene_seconds: float) -> float:
    """Where a clip should start so its best-fitting moment sits in the middle of the scene."""
    if profile is None or profile.kind != "video" or not profile.duration:
        return 0.0
    at = profile.views[min(view, len(profile.views) - 1)].at
    return round(max(0.0, min(at - scene_seconds / 2, profile.duration - scene_seconds)), 3)
