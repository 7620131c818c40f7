"""The public Python API: everything the chat can do, as plain method calls."""

from __future__ import annotations

import copy
import shutil
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reelcraft.brand import BrandKit
from reelcraft.config import Settings
from reelcraft.errors import MusicError
from reelcraft.plan import (
    Aspect,
    Draft,
    Language,
    Look,
    ModerationFlag,
    Platform,
    VideoPlan,
    check_brief,
    check_duration,
    detect_language,
    parse_aspect,
    parse_language,
    parse_platform,
)
from reelcraft.storage.drafts import DraftStore
from reelcraft.tools.deps import Deps, ProgressFn

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from reelcraft.agent.conversation import ChatTurn
    from reelcraft.agent.session import ChatSession, SessionStore
    from reelcraft.review.service import Actor, ReviewService, VersionInfo
    from reelcraft.safety.policy import Policy
    from reelcraft.studio.batch import BatchReport
    from reelcraft.studio.doctor import Check
    from reelcraft.studio.gan import GanService, StatusFn
    from reelcraft.studio.trends import TrendsService
    from reelcraft.tools.music import MusicOutput
    from reelcraft.tools.score import DraftScore
    from reelcraft.tools.trends import TrendsOutput
    from reelcraft.tools.visuals import VisualCandidate


TREND_NEIGHBOURS = 10
"""Trending items a plan is written against."""


class Studio:
    """`Studio().create("brief", duration=30, language="zh", platform="tiktok")` → a rendered `Draft`."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        llm: BaseChatModel | None = None,
        progress: ProgressFn | None = None,
        brand: str | BrandKit | None = None,
    ) -> None:
        """`brand`: a brand kit (or its name in the local workspace, `reelcraft brand create`) every new draft is
        made with; a team passes the kit it read from its project (`ReviewService.brand`)."""
        self.settings = settings or Settings()
        self._kits: dict[str, BrandKit] = {}
        self.brand: BrandKit | None = None
        if brand is not None:
            self.brand = brand if isinstance(brand, BrandKit) else self.brand_kit(brand)
            self._kits[self.brand.name.lower()] = self.brand
        kwargs: dict[str, object] = {"llm": llm}
        if progress is not None:
            kwargs["progress"] = progress
        self.deps = Deps.from_settings(self.settings, **kwargs)
        self.store = DraftStore(self.settings.drafts_dir)

    def warm_up(self) -> threading.Thread:
        """Load what a first draft needs (the local model's weights, the critic's embedder, the Chinese word
        list, the trends store) in a background thread. The chat page starts it when it opens: on a new
        machine these took ~5 s of the first brief's wait for its outline, while the user was still typing.
        A part that fails to load says so, with its fix, when it is really used."""

        def load() -> None:
            from reelcraft.tools.script_checks import key_terms

            def load_weights() -> None:
                if self.settings.llm.provider == "local":  # a remote or scripted model has no weights to load
                    getattr(self.deps.chat_model(), "load", lambda: None)()

            for step in (load_weights, self.deps.embedder, lambda: key_terms("热身", Language.ZH),
                         lambda: self.deps.trend_store().count()):  # fmt: skip
                try:
                    step()
                except Exception:  # noqa: BLE001, S112 - warming is best effort; the real use reports the error
                    continue

        thread = threading.Thread(target=load, name="reelcraft-warm-up", daemon=True)
        thread.start()
        return thread

    def plan(
        self, brief: str, *, duration: float = 30, language: str | None = None, platform: str | Platform = "tiktok",
        trends: bool = True,
    ) -> VideoPlan:  # fmt: skip
        """Write a plan for a brief (validated, in the brief's language unless one is given). With
        `trends` and an ingested trends store, the writer sees what is trending near the idea and the
        plan records which of its hashtags the trends back."""
        from reelcraft.tools.script import ScriptInput, write_script

        text = check_brief(brief)
        lang = parse_language(language) if language else detect_language(text)
        self._screen_brief(text, parse_platform(platform))
        mode = self.settings.trends.in_prompt
        inp = ScriptInput(brief=text, language=lang, platform=parse_platform(platform),
                          duration=check_duration(duration), trending=self._trending(text) if trends else None,
                          trends_in_prompt=mode == "on" or (mode == "auto" and self.settings.llm.provider != "local"))
        return write_script(inp, self.deps)

    def _screen_brief(self, brief: str, platform: Platform) -> None:
        """A brief that asks for what the policy blocks (a dangerous challenge, a threat) is refused before the
        writer spends a minute on it; the script is checked again in full before anything renders."""
        from reelcraft.errors import ModerationBlocked
        from reelcraft.safety.check import check_text, describe
        from reelcraft.studio.pipeline import moderation_policy

        policy = moderation_policy(self.settings, self.brand, platform)
        blocked = [f for f in check_text(brief, policy, field="brief") if f.severity.value == "block"]
        if blocked:
            raise ModerationBlocked(f"the brief asks for what the {policy.name} policy blocks: "
                                    + "; ".join(describe(f) for f in blocked[:4]),
                                    "ask for the video without it", flags=blocked, policy=policy.name)  # fmt: skip

    def _trending(self, brief: str) -> TrendsOutput | None:
        """Trends near the brief, or None when nothing was ingested; a broken store warns, never blocks
        the plan."""
        from reelcraft.errors import ReelcraftError
        from reelcraft.tools.trends import TrendsInput, suggest_trends

        cfg = self.settings.trends
        if cfg.db_url is None and cfg.chroma_url is None and not (self.settings.trends_dir / "trends.db").is_file():
            return None
        try:
            if self.deps.trend_store().count()["titles"] == 0:
                return None
            return suggest_trends(TrendsInput(brief=brief[:2000], k=TREND_NEIGHBOURS), self.deps)
        except ReelcraftError as exc:  # a broken store or embedder: say so, plan anyway
            self.deps.warn("trends", f"planning without trends: {exc.message} ({exc.fix})")
            return None

    def render(
        self,
        plan: VideoPlan,
        *,
        media_dir: Path | str | None = None,
        brief: str = "",
        draft_id: str | None = None,
        voice: str | None = None,
        profile: str = "final",
    ) -> Draft:
        """Render a plan into a new draft (or a new version of `draft_id`); `preview` is half size and fast."""
        from reelcraft.render.graph import profile_named
        from reelcraft.studio.pipeline import render_plan

        profile_named(profile)
        kit = None
        if plan.look.brand is not None:  # '' is "our brand": the workspace's only kit
            kit = self.brand_kit(plan.look.brand or None)
            plan = plan.model_copy(update={"look": plan.look.model_copy(update={"brand": kit.name})})
            voice = voice or kit.voice
        return render_plan(plan, self.deps, self.store, brief=brief, draft_id=draft_id, voice=voice,
                           media_dir=Path(media_dir) if media_dir else None, profile=profile, brand=kit)

    def apply_brand(self, plan: VideoPlan, name: str | None = None) -> VideoPlan:
        """The plan made with a brand kit ('use our brand'): its caption style and music mood, and the kit named in
        the look, so the render adds its font, colours, logo, intro and outro."""
        kit = self.brand_kit(name or None)
        look = plan.look.model_copy(update={"brand": kit.name, "logo": True,
                                            "captions": plan.look.captions.model_copy(update={
                                                "style": kit.caption_style})})  # fmt: skip
        return plan.model_copy(update={"look": look, "music_mood": kit.music_mood or plan.music_mood})

    def brands(self) -> list[BrandKit]:
        """The brand kits of the local workspace (and the one this Studio was given)."""
        from reelcraft.review.service import ReviewService

        review = ReviewService.from_settings(self.settings)
        kits = {k.name: k for k in review.brands(*review.local_workspace())}
        if self.brand is not None:
            kits[self.brand.name] = self.brand
        return sorted(kits.values(), key=lambda k: k.name)

    def brand_kit(self, name: str | None = None) -> BrandKit:
        """A brand kit by name: the one this Studio was given, else the local workspace's (None: its only kit)."""
        if name is not None and name.lower() in self._kits:
            return self._kits[name.lower()]
        if name is None and self.brand is not None:
            return self.brand
        from reelcraft.review.service import ReviewService

        review = ReviewService.from_settings(self.settings)
        actor, project = review.local_workspace()
        kit = review.brand(actor, project, name)
        self._kits[kit.name.lower()] = kit
        return kit

    def create(
        self,
        brief: str,
        *,
        duration: float = 30,
        language: str | None = None,
        platform: str | Platform = "tiktok",
        media_dir: Path | str | None = None,
        voice: str | None = None,
        profile: str = "final",
        mood: str | None = None,
        music_file: Path | str | None = None,
        trends: bool = True,
        aspect: str | Aspect | None = None,
        caption_style: str | None = None,
        brand: str | None = None,
    ) -> Draft:
        """Brief → plan → voiced, captioned MP4 with music, SRT/VTT, plan JSON, thumbnail and cover. `mood`
        overrides the script's music mood; `music_file` uses the creator's own track instead. `aspect` ('9:16',
        '4:5', '1:1', '16:9') overrides the platform's frame shape; `caption_style` names a caption style;
        `brand` names a brand kit (its font, colours, logo, intro/outro, caption style, voice and music mood),
        else the Studio's own."""
        plan, voice = self.prepare(brief, duration=duration, language=language, platform=platform,
                                   media_dir=media_dir, voice=voice, mood=mood, music_file=music_file, trends=trends,
                                   aspect=aspect, caption_style=caption_style, brand=brand)  # fmt: skip
        return self.render(plan, media_dir=media_dir, brief=brief, voice=voice, profile=profile)

    def prepare(
        self,
        brief: str,
        *,
        duration: float = 30,
        language: str | None = None,
        platform: str | Platform = "tiktok",
        media_dir: Path | str | None = None,
        voice: str | None = None,
        mood: str | None = None,
        music_file: Path | str | None = None,
        trends: bool = True,
        aspect: str | Aspect | None = None,
        caption_style: str | None = None,
        brand: str | None = None,
    ) -> tuple[VideoPlan, str | None]:
        """The writer's half of `create` (its options checked first): the plan with its look, mood and music,
        and the voice to read it. A batch runs it for the next brief while the last one renders."""
        kit = self.brand_kit(brand) if brand is not None else self.brand
        if kit is not None:  # the brand's defaults; what is asked here wins
            voice, mood = voice or kit.voice, mood or kit.music_mood
            caption_style = caption_style or kit.caption_style
        look = self._look(Look(brand=kit.name if kit else None), aspect=aspect, caption_style=caption_style)
        if media_dir is not None and not Path(media_dir).is_dir():
            from reelcraft.errors import VisualsError

            raise VisualsError(f"media folder {media_dir} does not exist", "pass an existing folder")
        if music_file is not None and not Path(music_file).is_file():
            raise MusicError(f"music file {music_file} does not exist", "pass an existing audio file")
        plan = self.plan(brief, duration=duration, language=language, platform=platform, trends=trends)
        plan = plan.model_copy(update={"look": look})
        if mood or music_file:
            plan = plan.model_copy(update={
                **({"music_mood": mood} if mood else {}),
                **({"music_file": Path(music_file).resolve()} if music_file else {}),
            })  # fmt: skip
        return plan, voice

    def for_item(self, progress: ProgressFn | None = None, *, writes: bool = True) -> Studio:
        """This Studio for one piece of work running beside others (a batch's writer and renderer): the same
        models, settings, drafts and brand, its own warnings and progress (`Deps.for_item`)."""
        twin = copy.copy(self)
        twin.deps = self.deps.for_item(progress, writes=writes)
        return twin

    def batch(self, source: Path | str, out_dir: Path | str, **options: Any) -> BatchReport:
        """Make a video for every brief in a JSONL or CSV file (`reelcraft batch`); see `studio.batch.run_batch`
        for the options (resume, profile, progress)."""
        from reelcraft.studio.batch import run_batch

        return run_batch(self, Path(source), Path(out_dir), **options)

    def music(
        self,
        mood: str,
        *,
        duration: float,
        out: Path | str,
        tempo: float | None = None,
        seed: int = 0,
    ) -> MusicOutput:
        """Compose an original instrumental (WAV) for a mood such as 'calm lo-fi', 'epic' or '中国风'."""
        from reelcraft.tools.music import MusicInput, make_music

        if not 2.0 < duration <= 600.0:
            raise MusicError(f"a {duration:g} s track is out of range", "ask for between 2 and 600 seconds")
        if tempo is not None and not 50 <= tempo <= 200:
            raise MusicError(f"tempo {tempo:g} BPM is out of range", "ask for 50–200 BPM")
        result = make_music(MusicInput(mood=mood, duration=duration, tempo=tempo, seed=seed), self.deps)
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.asset.path, target)
        return result

    @staticmethod
    def _look(look: Look, *, aspect: str | Aspect | None = None, caption_style: str | None = None) -> Look:
        """The look with the frame shape and caption style asked for, checked before anything is made."""
        from reelcraft.media.caption_styles import caption_style as named_style

        update: dict[str, object] = {}
        if aspect is not None:
            update["aspect"] = parse_aspect(aspect)
        if caption_style is not None:
            update["captions"] = look.captions.model_copy(update={"style": named_style(caption_style).name})
        return look.model_copy(update=update)

    def restyle(self, draft_id: str, request: str | None = None, *, aspect: str | Aspect | None = None,
                caption_style: str | None = None, profile: str = "final") -> Draft:  # fmt: skip
        """A look edit ('bigger captions', 'captions in yellow', 'style: boxed', '字幕大一点', 'remove the logo', or
        `aspect` / `caption_style` given directly): a new draft version in which only the render is re-done."""
        from reelcraft.tools.look import look_revision

        current = self.store.load(draft_id)
        plan = current.plan.model_copy(update={"look": self._look(current.plan.look, aspect=aspect,
                                                                  caption_style=caption_style)})  # fmt: skip
        if request:
            plan = look_revision(plan, request)
        return self.render(plan, brief=current.brief, draft_id=draft_id, profile=profile)

    def reshape(self, draft_id: str, aspect: str | Aspect, *, profile: str = "final") -> Draft:
        """'also make a 16:9 version': a new draft in another frame shape from the same voice, music and pictures
        (all from the cache); the original draft is left as it is."""
        current = self.store.load(draft_id)
        plan = current.plan.model_copy(update={"look": self._look(current.plan.look, aspect=aspect)})
        return self.render(plan, brief=current.brief, profile=profile)

    def revise_music(self, draft_id: str, request: str, *, profile: str = "final") -> Draft:
        """A chat edit of the music ('calmer music', 'more energetic', '换成中国风', 'different music', or a
        path to the creator's own track): a new draft version; voice and visuals come from the cache."""
        current = self.store.load(draft_id)
        from reelcraft.tools.music import music_revision

        revised = music_revision(current.plan, request)
        return self.render(revised, brief=current.brief, draft_id=draft_id, profile=profile)

    def revise_visuals(self, draft_id: str, request: str, *, profile: str = "final") -> Draft:
        """A chat edit of the look of generated backgrounds ('warmer colours', 'more abstract', 'less
        movement', '暖色调', '更抽象'): a new draft version; voice and music come from the cache."""
        current = self.store.load(draft_id)
        from reelcraft.tools.visuals import style_revision

        revised = style_revision(current.plan, request)
        return self.render(revised, brief=current.brief, draft_id=draft_id, profile=profile)

    def revise_scene_visual(self, draft_id: str, scene: int, *, media: Path | str | None = None,
                            media_dir: Path | str | None = None, profile: str = "final") -> Draft:  # fmt: skip
        """Another picture for one scene ('another picture for scene 3', '第三个场景换个画面'), or the creator's
        own photo or clip in it (`media`: a path, or a file name in `media_dir`). A new draft version in which
        only that scene is re-made: the voice and music come from the cache."""
        from reelcraft.tools.visuals import scene_visual_revision

        current = self.store.load(draft_id)
        revised = scene_visual_revision(current.plan, scene, None if media is None else str(media))
        return self.render(revised, brief=current.brief, draft_id=draft_id, media_dir=media_dir, profile=profile)

    def suggest_visuals(self, line: str, language: str | Language = Language.EN, *, top: int = 5,
                        media_dir: Path | str | None = None) -> list[VisualCandidate]:  # fmt: skip
        """The pictures that would show a scene line, best first, with calibrated scores (0.5: a fit): the
        creator's files in `media_dir` and the illustrations."""
        from reelcraft.tools.visuals import SuggestInput, suggest_visuals

        return suggest_visuals(SuggestInput(line=line, language=parse_language(language), top=top,
                                            media_dir=Path(media_dir) if media_dir else None), self.deps)  # fmt: skip

    def policy(self, platform: str | Platform | None = None, *, policy_file: Path | str | None = None) -> Policy:
        """A moderation policy: a team's file, else a platform preset by name (tiktok, douyin, reels, shorts,
        bilibili, or a platform), else the configured one (`[moderation] policy`), else TikTok's."""
        from reelcraft.safety.policy import preset, read_policy
        from reelcraft.studio.pipeline import moderation_policy

        if policy_file is not None:
            path = Path(policy_file)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                from reelcraft.errors import ModerationError

                raise ModerationError(f"the policy file {path} cannot be read: {exc}", "pass a TOML policy file") \
                    from exc  # fmt: skip
            return read_policy(text, str(path))
        if platform is not None:
            return preset(platform.value if isinstance(platform, Platform) else platform)
        return moderation_policy(self.settings, self.brand, Platform.TIKTOK)

    def check(self, text: str, *, language: str | Language | None = None, platform: str | Platform | None = None,
              policy_file: Path | str | None = None, semantic: bool = True) -> list[ModerationFlag]:  # fmt: skip
        """Moderation findings for one text (`reelcraft check`): category, severity, the exact span and why.
        English, Chinese and mixed text; `semantic` also asks the embedder about what the lexicons passed."""
        from reelcraft.tools.moderation import ModerationInput, TextToCheck, check_texts

        if language is not None:
            parse_language(language)  # an unsupported language is refused with the ones there are
        policy = self.policy(platform, policy_file=policy_file)
        return check_texts(ModerationInput(texts=[TextToCheck(text=text)], policy=policy, semantic=semantic),
                           self.deps).findings  # fmt: skip

    def check_lines(self, lines: Iterable[str], *, platform: str | Platform | None = None,
                    policy_file: Path | str | None = None, semantic: bool = True,
                    ) -> Iterator[tuple[int, list[ModerationFlag]]]:  # fmt: skip
        """One text per line, checked as it is read (`reelcraft check --file`): (line number, findings)."""
        policy = self.policy(platform, policy_file=policy_file)
        from reelcraft.tools.moderation import ModerationInput, TextToCheck, check_texts

        for number, line in enumerate(lines, start=1):
            text = line.rstrip("\r\n")
            if not text.strip():
                yield number, []
                continue
            yield number, check_texts(ModerationInput(texts=[TextToCheck(text=text)], policy=policy,
                                                      semantic=semantic), self.deps).findings  # fmt: skip

    def chat(self, session_id: str, message: str) -> ChatTurn:
        """One chat turn, headless: the message becomes one action on the session's video (a new preview
        version, an answer, or a question), and the session is saved. Same rules as the chat UI."""
        from reelcraft.agent.conversation import Conversation

        return Conversation(self).turn(session_id, message)

    @property
    def sessions(self) -> SessionStore:
        """The saved chats, in the folder `chat` keeps them: a face shows a session and keeps its choices
        (platform, language, voice) here without reaching into the agent."""
        from reelcraft.agent.session import SessionStore

        return SessionStore(self.settings.sessions_dir)

    def open_chat(self, session_id: str, user: Actor | None = None, project_id: str | None = None) -> ChatSession:
        """The chat `?session=` names, as `user` may see it. On a single-user install (`user` None) every chat is
        open. A signed-in user sees their own chats and those of projects they belong to; any other chat is "not
        found", exactly like one that does not exist, so a link gives nothing away. A new id starts a chat owned by
        `user` in `project_id`."""
        from reelcraft.errors import NotFound
        from reelcraft.review.service import ReviewService

        store = self.sessions
        if not store.exists(session_id):
            session = store.load(session_id)
            if user is not None:
                session.owner, session.project = user.name, project_id
                store.save(session)
            return session
        session = store.load(session_id)
        if user is None or session.owner in (None, user.name):
            return session
        if session.project and ReviewService.from_settings(self.settings).role(user, session.project) is not None:
            return session
        raise NotFound(f"no chat {session_id!r}", "start a new chat, or ask its owner to add you to the project")

    def add_upload(self, session_id: str, name: str, data: bytes, user: Actor | None = None,
                   project_id: str | None = None) -> Path:  # fmt: skip
        """A photo or clip for a chat's videos, checked by its bytes (`media.uploads.check_upload`: size, type,
        decodes) and stored in the user's project folder (the review store's, editors and owners only), or under
        `<home>/uploads/<chat>` on a single-user install. The chat's next videos show it first."""
        from reelcraft.media.uploads import check_upload
        from reelcraft.review.service import ReviewService
        from reelcraft.storage.cache import atomic_write_bytes

        checked = check_upload(name, data, max_bytes=self.settings.server.upload_mb * 2**20)
        session = self.open_chat(session_id, user, project_id)
        if user is not None and project_id is not None:
            path = ReviewService.from_settings(self.settings).add_media(
                user, project_id, f"chat-{session.id}/{checked.name}", checked.data)
        else:
            path = self.settings.home / "uploads" / session.id / checked.name
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, checked.data)
        session.media_dir = str(path.parent)
        self.sessions.save(session)
        return path

    def apply_comment(self, review: ReviewService, actor: Actor, comment_id: int) -> VersionInfo:
        """A review comment sent to the agent as an edit: the next review version (editors and owners only)."""
        from reelcraft.agent.comments import apply_comment

        return apply_comment(self, review, actor, comment_id)

    @staticmethod
    def describe_changes(changed: list[str], language: Language = Language.EN) -> str:
        """`plan_diff` paths in the words the chat uses ("scene 2's narration, the music"), so the review
        page and the chat say the same thing."""
        from reelcraft.agent.replies import describe_changes

        return describe_changes(changed, language)

    def record_result(self, draft_id: str, *, views: int, likes: int | None = None, shares: int | None = None,
                      comments: int | None = None, version: int | None = None) -> None:  # fmt: skip
        """How a published draft did (from the platform's analytics): trend suggestions then weight the
        hashtags that worked for this team."""
        draft = self.store.load(draft_id, version)
        plan = draft.plan
        self.deps.trend_store().record_result(
            draft_id=draft.id, version=draft.version, platform=plan.platform.value, language=plan.language.value,
            title=plan.title, hashtags=plan.hashtags, duration=sum(draft.scene_durations) or plan.target_duration,
            views=views, likes=likes, shares=shares, comments=comments)  # fmt: skip

    def trends(self, brief: str, **filters: object) -> TrendsOutput:
        """What is trending near an idea (see `reelcraft.tools.trends.TrendsInput` for the filters)."""
        from reelcraft.tools.trends import TrendsInput, suggest_trends

        return suggest_trends(TrendsInput(brief=brief, **filters), self.deps)  # type: ignore[arg-type]

    def score(self, draft_id: str, version: int | None = None) -> DraftScore:
        """The draft's 0–100 score from named parts, each with a reason and its scene; `weakest` is the
        part to fix first (the chat's "fix the weakest part")."""
        draft = self.store.load(draft_id, version)
        return self.score_plan(draft.plan, brief=draft.brief, scene_durations=draft.scene_durations)

    def score_plan(self, plan: VideoPlan, *, brief: str = "", scene_durations: list[float] | None = None) -> DraftScore:
        """Score a plan that is not saved as a draft (a `.plan.json` file, a batch's output)."""
        from reelcraft.tools.score import ScoreInput, score_draft

        return score_draft(ScoreInput(plan=plan, brief=brief, scene_durations=scene_durations or []), self.deps)

    def draft(self, draft_id: str, version: int | None = None) -> Draft:
        return self.store.load(draft_id, version)

    def drafts(self) -> list[Draft]:
        """Every saved draft, newest version of each."""
        return self.store.list()

    @property
    def gan(self) -> GanService:
        """The background GAN: train it, export a checkpoint, render latent walks (`reelcraft gan …`)."""
        from reelcraft.studio.gan import GanService

        return GanService(self.deps)

    @property
    def trends_service(self) -> TrendsService:
        """The trends store: ingest exports, count, suggest, plot (`reelcraft trends …`)."""
        from reelcraft.studio.trends import TrendsService

        return TrendsService(self.deps)

    def doctor(self, *, status: StatusFn | None = None) -> list[Check]:
        """Check (and prepare) every offline part; `status` wraps the slow step (joining the LLM)."""
        from reelcraft.studio.doctor import no_status, run_checks

        return run_checks(self.settings, status=status or no_status)

    def cache_stats(self) -> dict[str, dict[str, int]]:
        """Cache hits and misses per step since this Studio was made."""
        return self.deps.cache.stats()
