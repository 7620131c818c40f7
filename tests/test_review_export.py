"""The export bundle of an approved version, from a really rendered draft: every file opens, and the
OpenTimelineIO timeline reads back with clip ranges on the rendered scenes (within one frame)."""

from __future__ import annotations

import json
from pathlib import Path

import opentimelineio as otio
import pytest
import srt
import webvtt
from PIL import Image

from helpers import EN_PLAN, EN_TURNS
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.edit.timeline import Timeline
from reelcraft.errors import AccessDenied, ReviewError
from reelcraft.media.probe import probe
from reelcraft.models.llm import ScriptedChatModel
from reelcraft.plan import Draft
from reelcraft.review.export import BUNDLE_FILES, export_version
from reelcraft.review.service import ReviewService
from reelcraft.review.tables import Role, Status

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, models_home: Path) -> Draft:
    home = tmp_path_factory.mktemp("export-home")
    studio = Studio(Settings(home=home, models_home=models_home), llm=ScriptedChatModel(turns=EN_TURNS))
    return studio.create("a budget morning routine for college students", duration=30, profile="preview",
                         trends=False)  # fmt: skip


def test_an_approved_version_exports_a_bundle_an_nle_can_open(rendered: Draft, tmp_path: Path) -> None:
    review = ReviewService.open(f"sqlite:///{tmp_path / 'review.db'}", tmp_path / "media")
    owner, rita = review.create_user("olivia", PASSWORD), review.create_user("rita", PASSWORD)
    project = review.create_project(owner, "campaign")
    review.add_member(owner, project, "rita", Role.REVIEWER)
    version = review.save_version(owner, project, rendered, based_on=None)
    with pytest.raises(ReviewError, match="draft, not approved"):
        export_version(review, owner, rendered.id, 1, tmp_path / "out")
    review.submit(owner, rendered.id, 1)
    review.approve(rita, rendered.id, 1)
    folder = export_version(review, rita, rendered.id, 1, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == sorted([*BUNDLE_FILES, "cover.jpg"])
    with Image.open(folder / "cover.jpg") as cover:
        assert cover.size == (1080, 1920)  # a cover is designed at full size, even for a preview
    assert review.version(owner, rendered.id, 1).status == Status.EXPORTED

    info = probe(folder / "video.mp4")
    assert info.duration == pytest.approx(30, abs=0.5) and (info.width, info.height) == (540, 960)
    assert probe(folder / "thumbnail.jpg").width == 540
    cues = list(srt.parse((folder / "captions.srt").read_text(encoding="utf-8")))
    assert cues and cues[-1].end.total_seconds() <= 30.5
    assert len(webvtt.read(str(folder / "captions.vtt"))) == len(cues)
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] == EN_PLAN["title"] and meta["hashtags"] and meta["language"] == "en"
    assert any("Noto Emoji" in c and "Apache-2.0" in c for c in meta["credits"])  # the art's licence travels
    assert [s["pictures"][0]["emoji"] for s in meta["scene_visuals"]] == \
        [v.pictures[0].emoji for v in rendered.visuals]  # fmt: skip

    timeline = otio.adapters.read_from_file(str(folder / "timeline.otio"))
    rendered_edit = Timeline.model_validate_json(version.file("timeline.json").read_text(encoding="utf-8"))
    video_track = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    clips = list(video_track.find_clips())
    assert len(clips) == len(rendered.plan.scenes) == len(rendered.scene_durations)
    frame = 1 / rendered_edit.fps
    for clip, scene_start, scene_length in zip(clips, _starts(rendered.scene_durations), rendered.scene_durations,
                                               strict=True):  # fmt: skip
        source = clip.source_range
        assert abs(source.start_time.to_seconds() - scene_start) <= frame
        assert abs(source.duration.to_seconds() - scene_length) <= frame
        assert clip.media_reference.target_url == "video.mp4"  # beside the .otio: the folder can move
    assert abs(video_track.duration().to_seconds() - info.duration) <= 2 * frame
    assert clips[1].metadata["reelcraft"]["voiceover"] == rendered.plan.scenes[1].voiceover


def test_exporting_again_replaces_the_bundle_and_viewers_cannot_export(rendered: Draft, tmp_path: Path) -> None:
    review = ReviewService.open(f"sqlite:///{tmp_path / 'review.db'}", tmp_path / "media")
    owner, vic = review.create_user("olivia", PASSWORD), review.create_user("vic", PASSWORD)
    project = review.create_project(owner, "campaign")
    review.add_member(owner, project, "vic", Role.VIEWER)
    review.save_version(owner, project, rendered, based_on=None)
    review.submit(owner, rendered.id, 1)
    review.approve(owner, rendered.id, 1)
    with pytest.raises(AccessDenied, match="a viewer cannot export"):
        export_version(review, vic, rendered.id, 1, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    first = export_version(review, owner, rendered.id, 1, tmp_path / "out")
    (tmp_path / "out" / f".{first.name}.partial-dead").mkdir()  # what a killed export leaves behind
    again = export_version(review, owner, rendered.id, 1, tmp_path / "out")
    assert again == first and sorted(p.name for p in (tmp_path / "out").iterdir()) == [first.name]
    assert [a.action for a in review.audit(owner, project)][-2:] == ["status.exported", "version.reexport"]


def _starts(durations: list[float]) -> list[float]:
    starts, total = [], 0.0
    for duration in durations:
        starts.append(total)
        total += duration
    return starts
