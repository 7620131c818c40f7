from __future__ import annotations

from pathlib import Path

import pytest

from reelcraft.errors import VoiceoverError
from reelcraft.studio.pipeline import VOICE_LEAD_S, VOICE_TAIL_S, fit_scene_durations


class _Notes:
    """What voice_and_timing needs of Deps: somewhere to put its warnings."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warn(self, stage: str, message: str) -> None:
        self.warnings.append(message)


def test_durations_sum_to_target_on_the_frame_grid_and_fit_the_voice() -> None:
    durations = fit_scene_durations([5, 5, 10, 10], [6.0, 2.0, 3.0, 4.0], 30, 30)
    assert durations is not None
    assert sum(durations) == pytest.approx(30, abs=1e-9)
    assert all(abs(d * 30 - round(d * 30)) < 1e-6 for d in durations)
    for d, v in zip(durations, [6.0, 2.0, 3.0, 4.0], strict=True):
        assert d >= v + VOICE_LEAD_S + VOICE_TAIL_S - 1 / 30
    assert durations[0] > 5  # grew to hold its narration
    assert durations[3] > durations[1]  # the rest keep the plan's proportions


def test_narration_longer_than_video_is_reported() -> None:
    assert fit_scene_durations([10, 10, 10], [12.0, 12.0, 12.0], 30, 30) is None


def test_a_voice_that_speeds_up_less_than_asked_is_sped_up_again(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    """A name-heavy 30 s script ran 30.8 s; at 1.13× the voice still took 28.2 s, over the 28 s of room, and
    the brief ended with no video. The voice is measured and sped up again (within MAX_SPEEDUP)."""
    from reelcraft.plan import AssetRef, Language, Scene, VideoPlan
    from reelcraft.studio import pipeline
    from reelcraft.tools.voiceover import SpokenScene, VoiceoverInput, VoiceoverOutput

    asked: list[float] = []

    def fake_voice(inp: VoiceoverInput, deps: object) -> VoiceoverOutput:
        asked.append(inp.speed)
        seconds = 7.7 / inp.speed ** 0.7  # speeds up less than asked, as the voices do
        scene = SpokenScene(asset=AssetRef(kind="voice", key="k", path=tmp_path / "v.wav", duration=seconds), words=[])
        return VoiceoverOutput(scenes=[scene] * len(inp.texts), engine="fake")

    monkeypatch.setattr(pipeline, "make_voiceover", fake_voice)
    plan = VideoPlan(title="t", hook="h", language=Language.EN, target_duration=30, scenes=[
        Scene(voiceover=f"line {i}", on_screen_text="x", duration=7.5) for i in range(4)])  # fmt: skip

    deps = _Notes()
    said, _, durations = pipeline.voice_and_timing(plan, deps, None)  # type: ignore[arg-type]
    assert said == plan  # nothing had to be cut
    assert len(asked) == 3 and asked[0] == 1.0 and 1.0 < asked[1] < asked[2] <= pipeline.MAX_SPEEDUP
    assert sum(durations) == pytest.approx(30, abs=1e-6)
    assert any(f"{asked[-1]:.2f}× faster" in w for w in deps.warnings)


def test_a_script_too_long_even_spoken_faster_loses_sentences_and_still_gives_a_video(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # fmt: skip
    from reelcraft.plan import AssetRef, Language, Scene, VideoPlan
    from reelcraft.studio import pipeline
    from reelcraft.tools.voiceover import SpokenScene, VoiceoverInput, VoiceoverOutput

    def fake_voice(inp: VoiceoverInput, deps: object) -> VoiceoverOutput:  # 1.5 s a word, whatever the speed
        return VoiceoverOutput(engine="fake", scenes=[
            SpokenScene(asset=AssetRef(kind="voice", key=t, path=tmp_path / "v.wav", duration=1.5 * len(t.split())),
                        words=[]) for t in inp.texts])  # fmt: skip

    monkeypatch.setattr(pipeline, "make_voiceover", fake_voice)
    long = "One two three. Four five six. Seven eight nine."
    plan = VideoPlan(title="t", hook="h", language=Language.EN, target_duration=20, scenes=[
        Scene(voiceover=long, on_screen_text="x", duration=7) for _ in range(3)])  # fmt: skip

    deps = _Notes()
    said, spoken, durations = pipeline.voice_and_timing(plan, deps, None)  # type: ignore[arg-type]
    assert sum(durations) == pytest.approx(20, abs=1e-6)
    assert [len(s.voiceover.split()) for s in said.scenes] == [3, 3, 6]  # the longest first, until 20 s is enough
    assert said.scenes[0].voiceover == "One two three." and said.scenes[2].voiceover == "One two three. Four five six."
    assert sum(1 for w in deps.warnings if "lost its last sentence" in w) == 5
    one = plan.model_copy(update={"scenes": [Scene(voiceover=" ".join(["word"] * 9), on_screen_text="x",
                                                   duration=7)] * 3})  # fmt: skip
    notes = _Notes()
    said, _, durations = pipeline.voice_and_timing(one, notes, None)  # type: ignore[arg-type]
    assert sum(durations) == pytest.approx(20, abs=1e-6)  # one sentence a scene, still too long: shortened
    assert all(len(s.voiceover.split()) < 9 for s in said.scenes)
    assert any("was shortened to" in w for w in notes.warnings)
    tiny = plan.model_copy(update={"target_duration": 3, "scenes": [Scene(voiceover="one two three", duration=1,
                                                                           on_screen_text="x")] * 3})  # fmt: skip
    with pytest.raises(VoiceoverError, match="cut to a few words a scene"):
        pipeline.voice_and_timing(tiny, _Notes(), None)  # type: ignore[arg-type]
