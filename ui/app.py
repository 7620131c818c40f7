"""The reelcraft chat page: type an idea, watch the draft, change it by talking.

Run with `reelcraft ui` (or `make ui`). A thin face over `Studio.chat`: the session (conversation, draft,
sidebar choices) lives in the project store under `?session=<id>`, so a reload or a second tab shows the
same chat. Errors show the stage and what to do, never a traceback (that goes to `<home>/logs/ui.log`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import streamlit as st

from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError
from reelcraft.media.caption_styles import caption_styles
from reelcraft.plan import Aspect, CaptionLook, Draft, Look
from reelcraft.studio import Studio
from reelcraft.ui.components import picture_fit, scene_flags, show_score

PROVIDERS = ["local", "openai", "ollama"]
PLATFORMS = ["tiktok", "reels", "shorts", "square", "landscape"]
LANGUAGES = {"auto": None, "English": "en", "中文": "zh"}
STAGE_LABELS = {"script": "✍️ script", "outline": "🧭 outline", "trends": "📈 trends", "voiceover": "🎙️ voice",
                "music": "🎵 music", "visuals": "🖼️ visuals", "captions": "💬 captions",
                "render": "🎬 render"}  # fmt: skip


@st.cache_resource(show_spinner="Loading the models…")
def get_studio(provider: str, model: str, base_url: str) -> Studio:
    """One Studio (and one loaded LLM) per provider choice, shared by every session of this server."""
    settings = Settings()
    if settings.llm.provider != "fake":  # tests run the server with a scripted model (REELCRAFT_LLM__PROVIDER)
        settings.llm.provider = provider  # type: ignore[assignment]
    if model:
        settings.llm.model = model
    if base_url:
        settings.llm.base_url = base_url
    studio = Studio(settings)
    studio.warm_up()  # the model loads while the user types the first brief
    return studio


def session_id(studio: Studio) -> str:
    """The chat in the URL (`?session=`), created on first visit, so a reload comes back to it."""
    current = st.query_params.get("session")
    if not current:
        current = studio.sessions.new_id()
        st.query_params["session"] = current
    return current


def llm_choice() -> tuple[str, str, str]:
    """The sidebar's model choice; it comes first because the Studio (and its loaded model) depends on it."""
    bar = st.sidebar
    bar.title("🎬 reelcraft")
    configured = Settings().llm.provider
    provider = bar.selectbox("LLM provider", PROVIDERS, help="local: the embedded model, offline, no key",
                             index=PROVIDERS.index(configured) if configured in PROVIDERS else 0)  # fmt: skip
    model = bar.text_input("Model", value="", placeholder="default for the provider")
    base_url = bar.text_input("Endpoint", value="", placeholder="http://localhost:11434") if provider != "local" else ""
    return provider, model, base_url


def session_choices(studio: Studio, chat_id: str) -> None:
    """The sidebar's choices for new videos, kept in the session so every tab and reload shares them."""
    bar = st.sidebar
    session = studio.sessions.load(chat_id)
    chosen = PLATFORMS.index(session.platform) if session.platform in PLATFORMS else 0
    platform = bar.selectbox("Platform for new videos", PLATFORMS, index=chosen)
    names = list(LANGUAGES)
    current = next((k for k, v in LANGUAGES.items() if v == session.language), "auto")
    language = LANGUAGES[bar.selectbox("Language for new videos", names, index=names.index(current))]
    voice = bar.text_input("Voice", value=session.voice or "", placeholder="the language's default voice") or None
    look = look_choices(studio, session.look or Look())
    if (platform, language, voice, look) != (session.platform, session.language, session.voice, session.look):
        session.platform, session.language, session.voice, session.look = platform, language, voice, look
        studio.sessions.save(session)
    bar.caption(f"session `{session.id}` · [new chat](?)")


def look_choices(studio: Studio, current: Look) -> Look:
    """Frame shape, caption style and brand kit for new videos; in the chat, 'style: boxed', 'use our brand' or
    'also make a 16:9 version' change a draft's."""
    bar = st.sidebar
    frames = ["platform's own", *(a.value for a in Aspect)]
    frame = bar.selectbox("Frame", frames, index=frames.index(current.aspect.value) if current.aspect else 0)
    styles = caption_styles()
    names = list(styles)
    style = bar.selectbox("Caption style", names, index=names.index(current.captions.style)
                          if current.captions.style in names else 0,
                          format_func=lambda n: styles[n].title, help="\n".join(
                              f"{s.title}: {s.description}" for s in styles.values()))  # fmt: skip
    try:
        kits = [k.name for k in studio.brands()]
    except ReelcraftError as exc:
        bar.caption(f"brand kits unavailable: {exc.message}")
        kits = []
    options = ["no brand", *kits]
    brand = bar.selectbox("Brand kit", options, index=options.index(current.brand) if current.brand in kits else 0,
                          help="Create one with `reelcraft brand create NAME --logo logo.png --font font.ttf`")
    return Look(aspect=None if frame == frames[0] else Aspect(frame),
                captions=CaptionLook(style=style) if style != current.captions.style else current.captions,
                brand=None if brand == options[0] else brand)


def words(text: str) -> Iterator[str]:
    """The reply as a stream, a word at a time (characters for Chinese)."""
    pieces = text.split(" ") if " " in text else list(text)
    for i, piece in enumerate(pieces):
        yield piece + (" " if " " in text and i < len(pieces) - 1 else "")
        time.sleep(0.01)


def show_draft(draft: Draft, studio: Studio) -> None:
    from reelcraft.render.storyboard import storyboard

    assert draft.outputs is not None
    st.subheader(f"{draft.plan.title} · v{draft.version}")
    left, right = st.columns([2, 3])
    with left:
        st.video(str(draft.outputs.video))
        if draft.outputs.cover is not None and Path(draft.outputs.cover).is_file():
            preset = draft.plan.preset
            st.image(str(draft.outputs.cover), caption=f"cover · {draft.plan.aspect.value} "
                     f"({preset.width}×{preset.height})" + (f" · {draft.plan.look.brand}" if draft.plan.look.brand
                                                              else ""), width=220)  # fmt: skip
        for label, path, mime in (("⬇️ MP4", draft.outputs.video, "video/mp4"),
                                  ("⬇️ SRT captions", draft.outputs.srt, "application/x-subrip"),
                                  ("⬇️ plan JSON", draft.outputs.plan_json, "application/json")):  # fmt: skip
            name = f"{draft.id}-v{draft.version}-{Path(path).name}"
            st.download_button(label, data=Path(path).read_bytes(), file_name=name, mime=mime, key=f"dl-{name}")
        if draft.plan.hashtags:
            st.caption(" ".join(draft.plan.hashtags))
    with right:
        score = studio.score(draft.id, draft.version)
        st.markdown("**Storyboard**")
        frames = storyboard(draft, ffmpeg=studio.settings.ffmpeg)
        for row in range(0, len(frames), 4):
            for column, frame in zip(st.columns(4), frames[row : row + 4], strict=False):
                with column:
                    st.image(str(frame.image), width="stretch")
                    st.markdown(f"**{frame.number}.** {frame.scene.on_screen_text}")
                    st.caption(f"{frame.duration:.1f} s · {frame.scene.voiceover}")
                    if frame.number <= len(draft.visuals):
                        st.caption(picture_fit(draft.visuals[frame.number - 1], frame.number))
                    for flag in scene_flags(score, frame.number):
                        st.caption(f"⚠️ {flag}")
        show_score(score, key=f"score-{draft.id}-{draft.version}")
        if score.weakest:
            st.caption("Say “fix the weakest part” to rewrite it.")


def outline_markdown(message: str) -> str:
    """'outline — Label · hook: “…” | 1. beat | 2. beat' as a small card: the hook, then the beats as a list."""
    head, *beats = message.removeprefix("outline — ").split(" | ")
    return "\n".join([f"**Outline** · {head}", "", *beats])


def main() -> None:
    st.set_page_config(page_title="reelcraft", page_icon="🎬", layout="wide")
    studio = get_studio(*llm_choice())
    chat_id = session_id(studio)
    session_choices(studio, chat_id)
    session = studio.sessions.load(chat_id)
    for message in session.messages:
        with st.chat_message(message.role):
            st.markdown(message.text)
    prompt = st.chat_input("Your idea, or what to change (e.g. “make scene 2 funnier”)")
    if prompt is not None:
        with st.chat_message("user"):
            st.markdown(prompt)
        with st.chat_message("assistant"):
            try:
                outline_slot = st.empty()  # the plan's outline, in view while the rest is made
                with st.status("Working on it…", expanded=True) as status:
                    def progress(stage: str, message: str) -> None:
                        label = STAGE_LABELS.get(stage, stage)
                        if stage == "outline":
                            outline_slot.info(outline_markdown(message), icon="🧭")
                            return
                        status.update(label=f"{label}: {message}"[:120], expanded=True)
                        status.write(f"{label}: {message}")

                    studio.deps.progress = progress
                    studio.deps.warnings.clear()
                    turn = studio.chat(chat_id, prompt)
                    status.update(label=f"Done in {turn.seconds:.0f} s", state="complete", expanded=False)
                st.write_stream(words(turn.reply))
            except Exception as exc:  # noqa: BLE001 - the page must never show a traceback
                logging.getLogger("reelcraft.ui").exception("chat turn failed")
                st.error(f"Something went wrong ({type(exc).__name__}: {exc}). Your drafts are safe: try again, "
                         "or run `reelcraft doctor` to check the installation.")  # fmt: skip
        session = studio.sessions.load(chat_id)
    if session.draft_id:
        try:
            show_draft(studio.store.load(session.draft_id), studio)
        except Exception as exc:  # noqa: BLE001
            st.error(f"The draft could not be shown ({exc}). Re-render it with “final”, or start a new chat.")


def _log_to_file() -> None:
    folder = Settings().home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(folder / "ui.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("reelcraft.ui")
    if not logger.handlers:
        logger.addHandler(handler)


_log_to_file()
main()
