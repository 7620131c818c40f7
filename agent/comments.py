"""A reviewer's comment applied as an edit: the agent turns it into one action on the newest version, the
tools make the new plan, the draft is re-rendered (only what changed is re-made), and the result is saved
as the next review version, with the comment marked as applied in it.

A comment pinned to a scene (or to a moment, which falls in one scene) is that scene's rewrite: the
reviewer already said where, so the model only writes the words. A comment on the whole video goes
through the same action choice as a chat message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel

from reelcraft.agent.actions import AskClarification, Reply, RewriteScene
from reelcraft.agent.edits import edited_plan
from reelcraft.agent.planner import choose_action
from reelcraft.edit.timeline import Timeline
from reelcraft.errors import ReviewError
from reelcraft.media.probe import probe

if TYPE_CHECKING:
    from reelcraft.agent.maker import VideoMaker
    from reelcraft.review.service import Actor, CommentInfo, ReviewService, VersionInfo


def scene_at(version: VersionInfo, seconds: float) -> int:
    """The 1-based scene playing at `seconds` in the version's rendered edit."""
    edit = Timeline.model_validate_json(version.file("timeline.json").read_text(encoding="utf-8"))
    clips = sorted(edit.visuals, key=lambda c: c.start)
    playing = [c for c in clips if c.start <= seconds] or clips[:1]
    index = playing[-1].scene_index
    return (index if index is not None else len(playing) - 1) + 1


def comment_action(comment: CommentInfo, head: VersionInfo, studio: VideoMaker) -> BaseModel:
    scene = comment.scene
    if scene is None and comment.at_seconds is not None and head.number == comment.version:
        scene = scene_at(head, comment.at_seconds)
    if scene is not None:
        if scene > len(head.plan.scenes):
            raise ReviewError(f"the newest version has no scene {scene}",
                              "edit the draft in the chat, or comment on the newest version")  # fmt: skip
        return RewriteScene(scene=scene, instruction=comment.text[:500])
    action = choose_action(comment.text, head.plan, studio.deps).action
    if isinstance(action, Reply | AskClarification):
        answer = action.text if isinstance(action, Reply) else action.question
        raise ReviewError(f"the comment is not an edit the agent can make: {answer}",
                          "pin it to a scene, or say the change directly (e.g. 'calmer music')")  # fmt: skip
    return action


def apply_comment(studio: VideoMaker, review: ReviewService, actor: Actor, comment_id: int) -> VersionInfo:
    """The new version made from comment `comment_id` (editors and owners only)."""
    comment = review.comment_by_id(actor, comment_id)
    review.check(actor, comment.draft_id, "edit")
    if comment.applied_in is not None:
        raise ReviewError(f"comment #{comment_id} was already applied in version {comment.applied_in}",
                          "open that version")  # fmt: skip
    head = review.version(actor, comment.draft_id)
    studio.deps.progress("review", f"applying comment #{comment_id} to version {head.number}")
    plan = edited_plan(comment_action(comment, head, studio), head.plan, studio.deps)
    full_size = probe(head.file("video.mp4")).width == head.plan.preset.width  # keep the version's quality
    draft = studio.render(plan, brief=f"review comment #{comment_id}", draft_id=comment.draft_id,
                          profile="final" if full_size else "preview")  # fmt: skip
    saved = review.save_version(actor, head.project_id, draft, based_on=head.number,
                                note=f"applied comment #{comment_id}: {comment.text[:200]}")  # fmt: skip
    review.mark_applied(actor, comment_id, saved.number)
    return saved
