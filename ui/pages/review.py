"""Team review: drafts with status and thumbnails, two versions side by side (plan diff and both players),
comments on a scene or at the player's current time, approve / request changes, and "apply" that sends a
comment to the agent as an edit, making a new version.

Every action goes through `ReviewService`, so the roles are the same as in the CLI and the API. Comment
text is shown as plain text (never markdown or HTML), whatever it contains.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from streamlit import runtime

from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError
from reelcraft.plan import Language, ModerationFlag, VideoPlan, plan_diff
from reelcraft.review.service import Actor, ReviewService, VersionInfo
from reelcraft.review.signin import COOKIE, SignIn
from reelcraft.review.tables import Role, Status
from reelcraft.ui.components import review_player, show_score

if TYPE_CHECKING:
    from reelcraft.studio import DraftScore, Studio

STATUS_BADGES = {Status.DRAFT: "📝 draft", Status.IN_REVIEW: "👀 in review",
                 Status.CHANGES_REQUESTED: "✏️ changes requested", Status.APPROVED: "✅ approved",
                 Status.EXPORTED: "📦 exported"}  # fmt: skip


@st.cache_resource
def get_review() -> ReviewService:
    return ReviewService.from_settings(Settings())


@st.cache_resource(show_spinner="Loading the models…")
def get_studio() -> Studio:
    from reelcraft.studio import Studio

    return Studio(Settings())


def player(path: Path, key: str) -> float | None:
    """The video with a "comment at this moment" button; returns the moment when it was pressed."""
    url = runtime.get_instance().media_file_mgr.add(str(path), "video/mp4", f"review-player-{key}")
    clicked = review_player(src=url, key=key, default=None)
    seen = st.session_state.get(f"{key}-seen")
    if clicked and clicked.get("clicked") != seen:
        st.session_state[f"{key}-seen"] = clicked.get("clicked")
        return float(clicked["seconds"])
    return None


def login(review: ReviewService) -> Actor | None:
    actor: Actor | None = st.session_state.get("actor")
    cookie_user = SignIn.from_settings(Settings()).read(st.context.cookies.get(COOKIE))
    if actor is None and cookie_user is not None:  # signed in on the team server already: no second form
        actor = st.session_state["actor"] = cookie_user
    if actor is not None:
        st.sidebar.markdown(f"Signed in as **{actor.name}**" + (" · [sign out](/logout)" if cookie_user else ""))
        if cookie_user is None and st.sidebar.button("Sign out"):
            st.session_state.clear()
            st.rerun()
        return actor
    with st.form("login"):
        st.subheader("Sign in to review")
        name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            try:
                st.session_state["actor"] = review.login(name.strip(), password)
                st.rerun()
            except ReelcraftError as exc:
                st.error(f"{exc.message}. {exc.fix}.")
    return None


FLAG_MARKS = {"block": "⛔", "fix": "🛠", "warn": "⚠️", "fixed": "✅", "overridden": "🔓"}


def scene_table(plan: VideoPlan, other: VideoPlan | None, flags: list[ModerationFlag] | None = None) -> None:
    """The scenes, each with its moderation flags beside it (the title, hashtags and call to action after)."""
    changed = {path.split("]")[0] + "]" for path in plan_diff(other, plan)} if other else set()
    flags = flags or []
    for number, scene in enumerate(plan.scenes, start=1):
        mark = "✏️ " if f"scenes[{number}]" in changed else ""
        st.text(f"{mark}{number}. [{scene.on_screen_text}] {scene.voiceover}")  # plain text: scripts are data
        for flag in (f for f in flags if f.scene == number):
            flag_line(flag)
    for flag in (f for f in flags if f.scene is None):
        flag_line(flag)


def flag_line(flag: ModerationFlag) -> None:
    state = flag.severity.value if flag.status == "open" else flag.status
    where = flag.field.replace("_", " ")
    text = f"{FLAG_MARKS.get(state, '⚑')} {state} · {flag.category.value} · {where}: “{flag.span}” — {flag.reason}"
    if flag.fixed_to:
        text += f" → “{flag.fixed_to}”"
    (st.error if state == "block" else st.warning if state in ("fix", "warn") else st.caption)(text)


def main() -> None:
    st.set_page_config(page_title="reelcraft review", page_icon="🎬", layout="wide")
    review = get_review()
    actor = login(review)
    if actor is None:
        return
    put_up(review, actor)
    drafts = review.drafts(actor)
    if not drafts:
        st.info("No drafts to review yet. An editor puts one up here, or with `reelcraft review save DRAFT -p P`.")
        return
    st.subheader("Drafts")
    for row in range(0, len(drafts), 4):
        for column, summary in zip(st.columns(4), drafts[row : row + 4], strict=False):
            with column:
                try:
                    st.image(str(summary.thumbnail), width=140)
                except Exception:  # noqa: BLE001 - a missing or unreadable still must not take the page down
                    st.caption("(no thumbnail)")
                st.text(f"{summary.title}\n{summary.id} · v{summary.head} · {STATUS_BADGES[summary.status]}")
    labels = {f"{d.title} — {d.id} (v{d.head}, {d.status.value})": d for d in drafts}
    chosen = labels[st.selectbox("Draft", list(labels))]
    try:
        show_draft(review, actor, chosen.id)
    except ReelcraftError as exc:
        st.error(f"[{exc.stage}] {exc.message}. {exc.fix}.")
    except Exception as exc:  # noqa: BLE001 - the page must never show a traceback
        logging.getLogger("reelcraft.ui").exception("review page failed")
        st.error(f"Something went wrong ({type(exc).__name__}). Nothing was changed; reload the page.")


def put_up(review: ReviewService, actor: Actor) -> None:
    """Editors and owners put a draft made in the chat (or by `reelcraft make`) up for review."""
    from reelcraft.storage.drafts import DraftStore

    editing = (Role.OWNER, Role.EDITOR)
    projects = {f"{name} ({pid})": pid for pid, name, role in review.projects(actor) if role in editing}
    if not projects:
        return
    local = [d for d in DraftStore(Settings().drafts_dir).list() if d.outputs is not None]
    if not local:
        return
    with st.expander("➕ Put a draft from the chat up for review"), st.form("put-up"):
        drafts = {f"{d.plan.title} — {d.id} (local v{d.version})": d for d in local}
        draft = drafts[st.selectbox("Draft", list(drafts))]
        project = projects[st.selectbox("Project", list(projects))]
        note = st.text_input("Note for the reviewers", "")
        if st.form_submit_button("Put up for review"):
            head = next((d.head for d in review.drafts(actor, project) if d.id == draft.id), None)
            try:
                saved = review.save_version(actor, project, draft, based_on=head, note=note)
            except ReelcraftError as exc:
                st.error(f"{exc.message}. {exc.fix}.")
                return
            except OSError as exc:  # the draft's files were moved or deleted since it was made
                st.error(f"The draft's files could not be read ({exc.strerror}: {exc.filename}). Re-render it in "
                         "the chat, then put it up again.")  # fmt: skip
                return
            st.success(f"{saved.draft_id} is up for review as v{saved.number}")


def show_draft(review: ReviewService, actor: Actor, draft_id: str) -> None:
    versions = review.versions(actor, draft_id)
    numbers = [v.number for v in versions]
    role = review.role(actor, versions[-1].project_id)
    left_col, right_col = st.columns(2)
    number = right_col.selectbox("Version", numbers[::-1], format_func=lambda n: f"v{n}")
    other_choices = [n for n in numbers[::-1] if n != number]
    compare = left_col.selectbox("Compare with", other_choices, format_func=lambda n: f"v{n}") if other_choices \
        else None  # fmt: skip
    current = next(v for v in versions if v.number == number)
    previous = next((v for v in versions if v.number == compare), None)
    if previous is not None:
        changes = plan_diff(previous.plan, current.plan)
        summary = get_studio().describe_changes(changes, Language.EN) if changes else "no changes"
        st.markdown(f"**v{previous.number} → v{current.number}:** {summary}")
    with left_col:
        if previous is not None:
            st.markdown(f"**v{previous.number}** · {STATUS_BADGES[previous.status]} · by {previous.created_by}")
            st.video(str(previous.file("video.mp4")))
            scene_table(previous.plan, None, previous.flags)
    with right_col:
        st.markdown(f"**v{current.number}** · {STATUS_BADGES[current.status]} · by {current.created_by}")
        if current.note:
            st.text(current.note)
        moment = player(current.file("video.mp4"), key=f"player-{draft_id}-{current.number}")
        if moment is not None:
            st.session_state["comment-at"] = moment
        if current.file("cover.jpg").is_file():
            st.image(str(current.file("cover.jpg")), caption=f"cover · {current.plan.aspect.value}", width=180)
        scene_table(current.plan, previous.plan if previous else None, current.flags)
        if current.policy:
            st.caption(f"moderation: {current.policy} policy · {len(current.open_blocks)} open block(s)")
        show_score(version_score(current), key=f"score-{draft_id}-{current.number}")
    st.divider()
    actions(review, actor, role, current)
    comments(review, actor, role, current)


def version_score(version: VersionInfo) -> DraftScore:
    """The version's score, against the brief its draft was made from when this machine made it."""
    studio = get_studio()
    try:
        brief = studio.draft(version.draft_id).brief
    except ReelcraftError:  # made elsewhere: the title stands in for the brief
        brief = ""
    return studio.score_plan(version.plan, brief=brief)


def actions(review: ReviewService, actor: Actor, role: Role | None, version: VersionInfo) -> None:
    buttons = st.columns(4)
    draft_id, number = version.draft_id, version.number
    try:
        editing = version.status in (Status.DRAFT, Status.CHANGES_REQUESTED) and role in (Role.OWNER, Role.EDITOR)
        if editing and buttons[0].button("Submit for review"):
            review.submit(actor, draft_id, number)
            st.rerun()
        if version.status == Status.IN_REVIEW and role in (Role.OWNER, Role.REVIEWER):
            override = ""
            if version.open_blocks and role == Role.OWNER:
                override = st.text_input("Approve despite the moderation block, because…", key=f"override-{number}")
            if buttons[0].button("✅ Approve"):
                review.approve(actor, draft_id, number, override=override)
                st.rerun()
            if buttons[1].button("✏️ Request changes"):
                review.request_changes(actor, draft_id, number)
                st.rerun()
        exportable = version.status in (Status.APPROVED, Status.EXPORTED) and role != Role.VIEWER
        if exportable and buttons[0].button("📦 Export bundle"):
            from reelcraft.review.export import export_version

            folder = export_version(review, actor, draft_id, number, Settings().home / "exports")
            st.success(f"Exported to {folder}")
    except ReelcraftError as exc:
        st.error(f"{exc.message}. {exc.fix}.")


def comments(review: ReviewService, actor: Actor, role: Role | None, version: VersionInfo) -> None:
    st.subheader("Comments")
    for comment in review.comments(actor, version.draft_id):
        where = (f"scene {comment.scene}" if comment.scene else f"at {comment.at_seconds:.1f} s"
                 if comment.at_seconds is not None else "whole video")  # fmt: skip
        done = f" · applied in v{comment.applied_in}" if comment.applied_in else ""
        with st.container(border=True):
            st.caption(f"#{comment.id} · {comment.author} · v{comment.version} · {where}{done}")
            st.text(comment.text)  # plain text: no markdown, no HTML, whatever the comment says
            if role in (Role.OWNER, Role.EDITOR) and comment.applied_in is None \
                    and st.button("🤖 Apply as an edit", key=f"apply-{comment.id}"):  # fmt: skip
                apply(review, actor, comment.id)
    if role == Role.VIEWER:
        return
    at = st.session_state.get("comment-at")
    places = ["whole video", *[f"scene {n}" for n in range(1, len(version.plan.scenes) + 1)]]
    if at is not None:
        places.insert(1, f"at {at:.1f} s")
    with st.form(f"comment-{version.draft_id}-{version.number}", clear_on_submit=True):
        text = st.text_area("Your comment")
        place = st.radio("On", places, index=1 if at is not None else 0, horizontal=True)
        if st.form_submit_button("Add comment"):
            scene = int(place.split()[1]) if place.startswith("scene") else None
            seconds = at if place.startswith("at ") else None
            try:
                review.comment(actor, version.draft_id, version.number, text, scene=scene, at_seconds=seconds)
                st.session_state.pop("comment-at", None)
                st.rerun()
            except ReelcraftError as exc:
                st.error(f"{exc.message}. {exc.fix}.")


def apply(review: ReviewService, actor: Actor, comment_id: int) -> None:
    studio = get_studio()
    with st.status(f"Applying comment #{comment_id}…", expanded=True) as status:
        studio.deps.progress = lambda stage, message: status.write(f"{stage}: {message}")
        try:
            saved = studio.apply_comment(review, actor, comment_id)
        except ReelcraftError as exc:
            status.update(label="Not applied", state="error")
            st.error(f"[{exc.stage}] {exc.message}. {exc.fix}.")
            return
        status.update(label=f"Version {saved.number} made", state="complete")
    st.rerun()


main()
