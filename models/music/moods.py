"""Moods as musical decisions: tempo range, mode, progressions, instruments, groove.

A brief's free-text mood ("calm lo-fi", "中国风", "epic trailer vibe") resolves to one profile plus an
energy level; chat edits ("calmer music") move the energy or switch profile.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ChordStyle = Literal["stabs", "sustain", "arpeggio", "strum", "ostinato", "rhodes"]
BassStyle = Literal["root", "eighths", "root_fifth", "sustain", "octaves"]
DrumStyle = Literal["pop", "lofi", "epic", "light", "pulse", "acoustic", "four_on_floor"]


class MoodProfile(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    keywords: tuple[str, ...]
    """Words (English and Chinese) that select this mood in a brief or chat edit."""
    tempo: tuple[float, float, float]
    """Lowest, highest and preferred BPM."""
    mode: str
    pentatonic_melody: bool = False
    progressions: tuple[str, ...]
    chord_program: int
    chord_style: ChordStyle
    pad_program: int | None = None
    bass_program: int
    bass_style: BassStyle
    lead_program: int
    lead_register: tuple[int, int] = (67, 86)
    lead_density: float = Field(0.5, ge=0, le=1)
    """Share of 8th-note slots that start a melody note, before energy scaling."""
    drums: DrumStyle
    swing: float = Field(0.0, ge=0, le=0.2)
    """Delay of off-beat 16ths as a fraction of a beat (lo-fi lilt)."""
    energy: float = Field(0.6, ge=0, le=1)
    reverb: int = Field(50, ge=0, le=127)
    calmness_rank: int
    """Order from calmest (0) to most driving, for 'calmer' / 'more energetic' edits."""


PROFILES: dict[str, MoodProfile] = {p.name: p for p in [
    MoodProfile(
        name="calm_lofi", calmness_rank=0,
        keywords=("calm", "chill", "lo-fi", "lofi", "relax", "study", "cozy", "soft", "peaceful", "gentle", "slow",
                  "mellow", "dreamy", "舒缓", "轻松", "治愈", "安静", "放松", "平静", "温柔", "慵懒"),
        tempo=(70, 88, 80), mode="major",
        progressions=("2-7 5-7 1-7 6-7", "1-7 6-7 2-7 5-7", "4-7 3-7 2-7 1-7"),
        chord_program=4, chord_style="rhodes", bass_program=33, bass_style="root_fifth",
        lead_program=11, lead_register=(67, 84), lead_density=0.3, drums="lofi", swing=0.08, energy=0.35,
        reverb=80,
    ),
    MoodProfile(
        name="chinese", calmness_rank=1,
        keywords=("chinese", "china", "traditional", "oriental", "guzheng", "ancient", "zen", "tea", "中国风", "古风",
                  "国风", "传统", "古典", "民乐", "国潮", "江南"),
        tempo=(72, 96, 84), mode="major", pentatonic_melody=True,
        progressions=("1 6 4 5", "6 4 5 1", "1 5 6 3", "4 5 3 6"),
        chord_program=107, chord_style="arpeggio", pad_program=49, bass_program=32, bass_style="root",
        lead_program=73, lead_register=(69, 88), lead_density=0.45, drums="light", energy=0.45, reverb=85,
    ),
    MoodProfile(
        name="warm_acoustic", calmness_rank=2,
        keywords=("acoustic", "warm", "heartfelt", "wholesome", "folk", "ukulele", "guitar", "sweet", "family",
                  "nature", "温暖", "温馨", "感动", "清新", "小清新", "文艺"),
        tempo=(92, 112, 100), mode="major",
        progressions=("1 5 6 4", "1 4 6 5", "4 1 5 6"),
        chord_program=25, chord_style="strum", bass_program=32, bass_style="root_fifth",
        lead_program=9, lead_register=(72, 89), lead_density=0.4, drums="acoustic", energy=0.5, reverb=60,
    ),
    MoodProfile(
        name="dark_suspense", calmness_rank=3,
        keywords=("dark", "suspense", "mysterious", "mystery", "tense", "thriller", "horror", "serious", "crime",
                  "noir", "悬疑", "紧张", "神秘", "黑暗", "惊悚", "恐怖"),
        tempo=(90, 110, 100), mode="harmonic_minor",
        progressions=("1 4 1 5", "1 1 6 5", "1 6 1 5"),
        chord_program=50, chord_style="ostinato", pad_program=48, bass_program=38, bass_style="eighths",
        lead_program=0, lead_register=(64, 81), lead_density=0.3, drums="pulse", energy=0.55, reverb=75,
    ),
    MoodProfile(
        name="upbeat_pop", calmness_rank=4,
        keywords=("upbeat", "happy", "pop", "energetic", "fun", "bright", "cheerful", "positive", "summer", "vlog",
                  "playful", "欢快", "活力", "动感", "快乐", "开心", "阳光", "俏皮", "轻快", "流行"),
        tempo=(108, 128, 118), mode="major",
        progressions=("1 5 6 4", "6 4 1 5", "1 6 4 5"),
        chord_program=0, chord_style="stabs", pad_program=89, bass_program=38, bass_style="eighths",
        lead_program=12, lead_register=(67, 86), lead_density=0.55, drums="pop", energy=0.7, reverb=45,
    ),
    MoodProfile(
        name="corporate_tech", calmness_rank=5,
        keywords=("corporate", "tech", "technology", "business", "motivational", "inspiring", "startup", "product",
                  "innovation", "future", "科技", "商务", "励志", "未来", "创新", "职场"),
        tempo=(100, 120, 110), mode="major",
        progressions=("1 5 6 4", "6 4 1 5", "4 5 6 1"),
        chord_program=0, chord_style="arpeggio", pad_program=89, bass_program=38, bass_style="octaves",
        lead_program=5, lead_register=(69, 86), lead_density=0.4, drums="four_on_floor", energy=0.65, reverb=55,
    ),
    MoodProfile(
        name="epic", calmness_rank=6,
        keywords=("epic", "cinematic", "powerful", "heroic", "trailer", "dramatic", "battle", "intense", "sport",
                  "workout", "victory", "史诗", "震撼", "激昂", "热血", "燃", "大气", "磅礴"),
        tempo=(84, 100, 92), mode="minor",
        progressions=("1 6 3 5M", "1 7 6 5M", "1 4 6 5M"),
        chord_program=48, chord_style="ostinato", pad_program=52, bass_program=48, bass_style="octaves",
        lead_program=60, lead_register=(62, 79), lead_density=0.35, drums="epic", energy=0.85, reverb=90,
    ),
]}
DEFAULT_MOOD = "upbeat_pop"

CALMER = ("calmer", "softer", "quieter", "gentler", "slower", "less intense", "more relaxed", "more chill",
          "安静点", "舒缓点", "柔和", "慢一点", "更安静", "更舒缓", "轻柔")
LIVELIER = ("more energetic", "livelier", "faster", "more upbeat", "more intense", "punchier", "hype", "happier",
            "欢快点", "更欢快", "快一点", "更激昂", "更有活力", "燃一点", "更动感")


class MoodSpec(BaseModel):
    """A resolved mood: which profile, how energetic, and the words it came from."""

    model_config = ConfigDict(frozen=True)

    profile: str = DEFAULT_MOOD
    energy: float = Field(0.6, ge=0.05, le=1.0)
    text: str = ""

    @property
    def mood(self) -> MoodProfile:
        return PROFILES[self.profile]


def _score(profile: MoodProfile, text: str) -> int:
    lowered = text.lower()
    score = 0
    for word in profile.keywords:
        if re.search(r"[\u4e00-\u9fff]", word):
            score += word in text
        else:
            score += bool(re.search(rf"\b{re.escape(word)}\b", lowered))
    return score


def resolve_mood(text: str) -> tuple[MoodSpec, bool]:
    """Free text → (mood, whether any keyword matched). Unknown words fall back to the default mood,
    and the caller says so; the energy comes from the profile, nudged by 'slow'/'fast'-like words."""
    if text.strip() in PROFILES:
        profile = PROFILES[text.strip()]
        return MoodSpec(profile=profile.name, energy=profile.energy, text=text.strip()), True
    scores = {name: _score(profile, text) for name, profile in PROFILES.items()}
    best = max(scores, key=lambda name: (scores[name], name == DEFAULT_MOOD))
    matched = scores[best] > 0
    profile = PROFILES[best if matched else DEFAULT_MOOD]
    energy = profile.energy
    if any(word in text.lower() for word in CALMER):
        energy -= 0.2
    if any(word in text.lower() for word in LIVELIER):
        energy += 0.2
    return MoodSpec(profile=profile.name, energy=round(min(1.0, max(0.05, energy)), 2), text=text.strip()), matched


def adjust_mood(current: MoodSpec, request: str) -> MoodSpec:
    """Apply a chat edit such as 'calmer music', 'more energetic', 'make it 中国风' to a mood.

    A named mood replaces the profile; 'calmer'/'livelier' lowers or raises energy, and moves to the
    neighbouring profile once energy runs out, so each request is audibly different."""
    lowered = request.lower()
    calmer = any(word in lowered for word in CALMER)
    livelier = any(word in lowered for word in LIVELIER)
    rest = lowered
    for phrase in (*CALMER, *LIVELIER):
        rest = rest.replace(phrase, " ")
    named, matched = resolve_mood(rest)
    if matched and not (calmer or livelier):
        return named
    base = named if matched else current
    if not (calmer or livelier):
        return current
    ranked = sorted(PROFILES.values(), key=lambda p: p.calmness_rank)
    rank = base.mood.calmness_rank
    step = -1 if calmer else 1
    energy = base.energy + 0.25 * step
    if calmer and (energy < 0.2 or base.mood.calmness_rank > 2):
        target = ranked[max(0, rank - 2 if rank > 2 else rank - 1)]
        return MoodSpec(profile=target.name, energy=round(max(0.1, target.energy - 0.1), 2), text=request.strip())
    if livelier and (energy > 0.95 or base.mood.calmness_rank < 4):
        target = ranked[min(len(ranked) - 1, max(rank + 1, 4))]
        return MoodSpec(profile=target.name, energy=round(min(1.0, target.energy + 0.1), 2), text=request.strip())
    return MoodSpec(profile=base.profile, energy=round(min(1.0, max(0.05, energy)), 2), text=request.strip())
