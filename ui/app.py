"""The reelcraft chat page: type an idea, watch the draft, change it by talking.

Run with `reelcraft ui` (or `make ui`). A thin face over the API: every message becomes a job in the server's
work queue (`reelcraft.studio.jobs`), which runs the chat turn (`Studio.chat`) on a worker; the page shows the
job's place, stages and result, and polls it, so a closed tab or a reload loses nothing. The session
(conversation, draft, sidebar choices, uploads) lives in the project store under `?session=<id>` and belongs to
the signed-in user on a shared server (docs/team-server.md). Errors show the stage and what to do, never a
traceback (that goes to `<home>/logs/ui.log`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError
from reelcraft.media.caption_styles import caption_styles
from reelcraft.plan import Aspect, CaptionLook, Draft, Look
from reelcraft.review.service import Actor, ReviewService
from reelcraft.review.signin import COOKIE, SignIn
from reelcraft.studio import Studio
from reelcraft.studio.jobs import JobInfo, JobQueue, JobStatus, shared_queue
from reelcraft.ui.components import picture_fit, scene_flags, show_score

PROVIDERS = ["local", "openai", "ollama"]
PLATFORMS = ["tiktok", "reels", "shorts", "square", "landscape"]
LANGUAGES = {"auto": None, "English": "en", "中文": "zh"}
STAGE_LABELS = {"script": "✍️ script", "outline": "🧭 outline", "trends": "📈 trends", "voiceover": "🎙️ voice",
                "music": "🎵 music", "visuals": "🖼️ visuals", "captions": "💬 captions",
                "render": "🎬 render"}  # fmt: skip


@st.cache_resource
def get_queue() -> JobQueue:
    """The process's work queue: the server's lifespan starts it; a bare `streamlit run` starts it here."""
    queue = shared_queue()
    queue.start()
    return queue


@st.cache_resource(show_spinner="Loading the models…")
def get_studio(provider: str, model: str, base_url: str) -> Studio:
    """One Studio (and one loaded LLM) per provider choice, shared by every session and the queue's workers."""
    studio = get_queue().studio(llm_request(provider, model, base_url))
    studio.warm_up()  # the model loads while the user types the first brief
    return studio


@st.cache_resource
def get_review() -> ReviewService:
    return ReviewService.from_settings(Settings())


def llm_request(provider: str, model: str, base_url: str) -> dict[str, str]:
    """The sidebar's model choice as a job carries it ({} is the configured default)."""
    if provider == Settings().llm.provider and not model and not base_url:
        return {}
    return {k: v for k, v in (("provider", provider), ("model", model), ("base_url", base_url)) if v}


def signed_in() -> Actor | None:
    """The user the server's signed cookie names (None when it is missing, forged or expired)."""
    return SignIn.from_settings(Settings()).read(st.context.cookies.get(COOKIE))


def sign_in_required() -> bool:
    return os.environ.get("REELCRAFT_SERVER__SIGN_IN") == "on"


def who() -> tuple[Actor | None, str | None]:
    """The signed-in user and their project, or (None, None) on an open single-user server. Stops the page with
    only a sign-in link when sign-in is required and missing."""
    if not sign_in_required():
        return None, None
    user = signed_in()
    if user is None:
        st.title("🎬 reelcraft")
        st.info("Sign in to make videos on this server.")
        st.link_button("Sign in", "/login")
        st.stop()
    assert user is not None
    review = get_review()
    projects = review.projects(user)
    project = projects[0][0] if projects else review.create_project(user, f"{user.name}'s videos")
    return user, project


def session_id(studio: Studio, user: Actor | None, project: str | None) -> str:
    """The chat in the URL (`?session=`), created on first visit, so a reload comes back to it. Another user's
    chat is "not found" (unless they share its project), the same as one that never existed."""
    current = st.query_params.get("session")
    if not current:
        current = studio.sessions.new_id()
        st.query_params["session"] = current
    try:
        studio.open_chat(current, user, project)
    except ReelcraftError as exc:
        st.error(f"{exc.message}. {exc.fix}.")
        st.link_button("New chat", "?")
        st.stop()
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


def uploads(studio: Studio, chat_id: str, user: Actor | None, project: str | None) -> None:
    """Photos and clips for this chat's videos: checked by their bytes on the server (type, size, that they
    decode), stored in the user's project folder, shown first in the next video."""
    limit = studio.settings.server.upload_mb
    files = st.sidebar.file_uploader("Your photos and clips", accept_multiple_files=True, key=f"uploads-{chat_id}",
                                     type=["jpg", "jpeg", "png", "webp", "mp4", "mov", "webm", "mkv"],
                                     help=f"Up to {limit} MB each; the next video shows them first")  # fmt: skip
    for upload in files or []:
        seen = f"uploaded-{upload.file_id}"
        if seen in st.session_state:
            continue
        try:
            path = studio.add_upload(chat_id, upload.name, upload.getvalue(), user, project)
            st.session_state[seen] = path.name
        except ReelcraftError as exc:
            st.session_state[seen] = None
            st.sidebar.error(f"{exc.message}. {exc.fix}.")
    stored = [name for key, name in st.session_state.items() if str(key).startswith("uploaded-") and name]
    if stored:
        st.sidebar.caption("Uploaded: " + ", ".join(sorted(stored)))


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


def job_panel(job_id: str, user: str) -> None:
    """A running or waiting job: its place in the queue, its stages, a cancel button. Polls the job store every
    1.5 s (a fragment, not the whole page) and reloads the page when the job ends."""

    @st.fragment(run_every=1.5)
    def panel() -> None:
        job = get_queue().get(job_id)
        if job.finished:
            st.rerun()
        with st.container(key=f"job-panel-{job.id}"), st.chat_message("assistant"):
            if job.status == JobStatus.QUEUED:
                ahead = f"{job.position} ahead of yours" if job.position else "yours is next"
                st.info(f"⏳ Waiting for the server: {ahead}.", icon="⏳")
            elif job.cancel_requested:
                st.warning("Stopping after the current step…")
            else:
                label = STAGE_LABELS.get(job.stage, job.stage) or "starting"
                st.info(f"Working on it: {label}", icon="⚙️")
            outline = next((message for stage, message, _ in job.stages if stage == "outline"), None)
            if outline:  # the plan's outline stays in view while the rest is made
                st.info(outline_markdown(outline), icon="🧭")
            for stage, message, seconds in [s for s in job.stages if s[0] != "outline"][-5:]:
                st.caption(f"{seconds:>4.0f} s · {STAGE_LABELS.get(stage, stage)}: {message}")
            if not job.cancel_requested and st.button("Cancel", key=f"cancel-{job.id}"):
                get_queue().cancel(job.id, user)
                st.rerun(scope="fragment")

    panel()


def show_job_end(job: JobInfo) -> None:
    """What the last job left that the chat does not already say: its failure or its cancellation."""
    if job.status == JobStatus.FAILED:
        st.error(f"That did not work ({job.error_stage}): {job.error}. Your drafts are safe: try again.")
    elif job.status == JobStatus.CANCELLED:
        st.warning("Cancelled. Nothing of the draft was changed.")


def main() -> None:
    st.set_page_config(page_title="reelcraft", page_icon="🎬", layout="wide")
    user, project = who()
    choice = llm_choice()
    if user is not None:
        st.sidebar.markdown(f"Signed in as **{user.name}** · [sign out](/logout)")
    else:
        st.sidebar.caption("🔓 Open: this server listens on this machine only, so anyone here can use it without "
                           "signing in. Start it with `--host 0.0.0.0` to share it; then everyone signs in.")
    studio = get_studio(*choice)
    queue = get_queue()
    chat_id = session_id(studio, user, project)
    owner = user.name if user else "local"
    session_choices(studio, chat_id)
    uploads(studio, chat_id, user, project)
    prompt = st.chat_input("Your idea, or what to change (e.g. “make scene 2 funnier”)")
    if prompt is not None:
        try:
            queue.submit(user=owner, session_id=chat_id, text=prompt, project_id=project, llm=llm_request(*choice))
        except ReelcraftError as exc:
            st.toast(f"{exc.message}. {exc.fix}.", icon="⚠️")
    session = studio.sessions.load(chat_id)
    for message in session.messages:
        with st.chat_message(message.role):
            st.markdown(message.text)
    waiting = queue.open_jobs(chat_id)
    if waiting:
        for job in waiting:
            job_panel(job.id, owner)
    else:
        ended = [j for j in queue.store.for_session(chat_id) if j.finished]
        if ended and ended[-1].status in (JobStatus.FAILED, JobStatus.CANCELLED) and (
                not session.messages or session.messages[-1].role == "user"):
            show_job_end(ended[-1])
    if session.draft_id:
        try:
            show_draft(studio.store.load(session.draft_id), studio)
        except Exception as exc:  # noqa: BLE001
            logging.getLogger("reelcraft.ui").exception("draft could not be shown")
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
