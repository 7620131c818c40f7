"""The hand-off bundle for an approved version: the MP4, captions (SRT and WebVTT), a thumbnail, the designed cover,
`metadata.json` for the upload form, and an OpenTimelineIO timeline whose clips point at the exported
MP4 scene by scene, so an editor can open the draft in their NLE and keep cutting.

The bundle is written into a staging folder beside the target and renamed into place when complete: a
process killed mid-export leaves the previous bundle (or none), and the export can simply be re-run.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

import opentimelineio as otio

from reelcraft.edit.timeline import Timeline
from reelcraft.errors import ReviewError
from reelcraft.review.service import Actor, ReviewService, VersionInfo
from reelcraft.review.tables import Status

BUNDLE_FILES = ("video.mp4", "captions.srt", "captions.vtt", "thumbnail.jpg", "metadata.json", "timeline.otio")


def bundle_name(version: VersionInfo) -> str:
    return f"{version.draft_id}-v{version.number}"


def otio_timeline(version: VersionInfo, timeline: Timeline, video_name: str = "video.mp4") -> otio.schema.Timeline:
    """One clip per scene on a video track and the whole mix on an audio track, all cut from the exported
    MP4 (a relative URL, so the folder can move); scene texts travel as clip metadata."""
    rate = float(timeline.fps)
    plan = version.plan
    whole = otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate),
                                    otio.opentime.RationalTime(round(timeline.duration * rate), rate))  # fmt: skip

    def reference() -> otio.schema.ExternalReference:
        return otio.schema.ExternalReference(target_url=video_name, available_range=whole)

    video = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    for clip in sorted(timeline.visuals, key=lambda c: c.start):
        index = clip.scene_index if clip.scene_index is not None else len(video)
        scene = plan.scenes[index] if index < len(plan.scenes) else None
        start, frames = round(clip.start * rate), round(clip.duration * rate)
        video.append(otio.schema.Clip(
            name=f"Scene {index + 1}" + (f": {scene.on_screen_text}" if scene and scene.on_screen_text else ""),
            media_reference=reference(),
            source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate),
                                                 otio.opentime.RationalTime(frames, rate)),
            metadata={"reelcraft": {"scene": index + 1, "voiceover": scene.voiceover if scene else "",
                                    "visual": scene.visual if scene else ""}},
        ))  # fmt: skip
    audio = otio.schema.Track(name="Mix", kind=otio.schema.TrackKind.Audio)
    audio.append(otio.schema.Clip(name="Voice and music", media_reference=reference(), source_range=whole))
    result = otio.schema.Timeline(name=f"{plan.title} (v{version.number})")
    result.tracks.append(video)
    result.tracks.append(audio)
    result.metadata["reelcraft"] = {"draft": version.draft_id, "version": version.number,
                                    "language": plan.language.value, "platform": plan.platform.value}  # fmt: skip
    return result


def metadata(version: VersionInfo, timeline: Timeline) -> dict[str, object]:
    plan = version.plan
    description = " ".join(part for part in (plan.hook, plan.call_to_action) if part)
    return {"title": plan.title, "description": description, "hashtags": plan.hashtags,
            "language": plan.language.value, "platform": plan.platform.value, "duration": timeline.duration,
            "width": timeline.width, "height": timeline.height, "draft": version.draft_id,
            "version": version.number, "scenes": len(plan.scenes), **_shown(version)}  # fmt: skip


def _shown(version: VersionInfo) -> dict[str, object]:
    """The art credits and what each scene shows, for versions saved with them (older ones have none)."""
    path = version.file("visuals.json")
    if not path.is_file():
        return {}
    shown = json.loads(path.read_text(encoding="utf-8"))
    return {"credits": shown.get("credits", []), "scene_visuals": shown.get("scenes", [])}


def write_bundle(version: VersionInfo, out_dir: Path) -> Path:
    """`out_dir/<draft>-v<N>/` with every bundle file; an existing bundle of the same version is replaced
    only once the new one is complete."""
    timeline_file = version.file("timeline.json")
    if not timeline_file.is_file():
        raise ReviewError(f"version {version.number} has no timeline.json", "re-render the draft and save it again")
    timeline = Timeline.model_validate_json(timeline_file.read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / bundle_name(version)
    staging = out_dir / f".{bundle_name(version)}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        for name in ("video.mp4", "captions.srt", "captions.vtt", "thumbnail.jpg"):
            shutil.copyfile(version.file(name), staging / name)
        if version.file("cover.jpg").is_file():  # versions rendered before covers existed have none
            shutil.copyfile(version.file("cover.jpg"), staging / "cover.jpg")
        (staging / "metadata.json").write_text(json.dumps(metadata(version, timeline), ensure_ascii=False, indent=2),
                                               encoding="utf-8")  # fmt: skip
        otio.adapters.write_to_file(otio_timeline(version, timeline), str(staging / "timeline.otio"))
        for name in (*BUNDLE_FILES, *(["cover.jpg"] if (staging / "cover.jpg").is_file() else [])):
            with (staging / name).open("rb") as handle:
                os.fsync(handle.fileno())
        if final.exists():  # a re-run: swap the old bundle out only now that the new one is whole
            old = out_dir / f".{bundle_name(version)}.old-{uuid.uuid4().hex[:8]}"
            os.replace(final, old)
            os.replace(staging, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for pattern in (".partial-*", ".old-*"):  # from exports that were killed mid-way
        for leftover in out_dir.glob(f".{bundle_name(version)}{pattern}"):
            shutil.rmtree(leftover, ignore_errors=True)
    return final


def export_version(review: ReviewService, actor: Actor, draft_id: str, number: int | None, out_dir: Path) -> Path:
    """Write the bundle of an approved version and mark it exported (re-running an export is allowed)."""
    review.check(actor, draft_id, "export")
    version = review.version(actor, draft_id, number)
    if version.status not in (Status.APPROVED, Status.EXPORTED):
        raise ReviewError(f"version {version.number} is {version.status.value}, not approved",
                          "export an approved version, or ask a reviewer to approve this one")  # fmt: skip
    folder = write_bundle(version, out_dir)
    review.mark_exported(actor, draft_id, version.number, folder)
    return folder
