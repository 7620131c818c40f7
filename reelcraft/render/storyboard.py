"""One still per scene of a rendered draft, taken from the middle of the scene, for storyboards in the UI
and the review page. Made once per version (kept beside the video) and reused."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reelcraft.plan import Draft, Scene
from reelcraft.render.graph import extract_thumbnail


@dataclass(frozen=True)
class StoryboardFrame:
    number: int
    scene: Scene
    start: float
    duration: float
    image: Path


def storyboard(draft: Draft, ffmpeg: str = "") -> list[StoryboardFrame]:
    if draft.outputs is None:
        return []
    folder = draft.outputs.video.parent / "storyboard"
    durations = draft.scene_durations or [s.duration for s in draft.plan.scenes]
    frames, start = [], 0.0
    for number, (scene, duration) in enumerate(zip(draft.plan.scenes, durations, strict=False), start=1):
        image = folder / f"scene{number}.jpg"
        if not image.exists():
            folder.mkdir(parents=True, exist_ok=True)
            partial = image.with_suffix(".part.jpg")
            extract_thumbnail(draft.outputs.video, start + duration / 2, partial, ffmpeg=ffmpeg)
            partial.replace(image)
        frames.append(StoryboardFrame(number, scene, start, duration, image))
        start += duration
    return frames
