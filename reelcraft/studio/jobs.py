"""One work queue for every user of a shared server.

Chat turns from every browser session become rows in the job store (`reelcraft.review.jobs`) and run on a fixed
set of worker threads, one per CPU core by default (`server.render_workers`). They share one `Studio` per model
choice, so one embedded model is loaded, and its calls take turns behind the model's lock (`Deps.asking`: llama.cpp
contexts are not thread-safe); renders, TTS and music run side by side. A chat never has two jobs running at once
(its session file is written by the turn), and a user has at most `server.jobs_per_user` queued or running.

A job's page can close: the row keeps its stages and result, and the page picks them up on reload. A server that
dies leaves its jobs `running`; the next start puts them back in the queue, and they run again from the asset
cache, so a draft is finished once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from reelcraft.config import Settings
from reelcraft.errors import ReelcraftError
from reelcraft.review.jobs import JobInfo, JobStatus, JobStore
from reelcraft.studio.failures import LOW_DISK_BYTES, explain_failure, free_bytes
from reelcraft.studio.studio import Studio

__all__ = ["JobCancelled", "JobInfo", "JobQueue", "JobStatus", "shared_queue", "shared_studio"]

log = logging.getLogger("reelcraft.jobs")
RETRY = "send the message again"
PROGRESS_EVERY_S = 1.0
"""Progress within one stage (a render's percent) is written at most this often."""


class JobCancelled(BaseException):  # noqa: N818 - a signal, not an error
    """The user cancelled the job; raised from its progress callback at the next stage. A BaseException, like
    ServerStopping, so no `except Exception` on the way turns it into a failure."""


class ServerStopping(BaseException):
    """The server is stopping: the job stops where it is and stays `running`, so the next start runs it again.
    A BaseException, so no `except Exception` on the way turns it into a failure the chat would show."""


def _llm_key(llm: dict[str, Any] | None) -> tuple[str, str, str]:
    llm = llm or {}
    return str(llm.get("provider", "")), str(llm.get("model", "")), str(llm.get("base_url", ""))


class JobQueue:
    def __init__(self, settings: Settings | None = None, *, workers: int | None = None) -> None:
        self.settings = settings or Settings()
        self.store = JobStore(self.settings.review_db_url)
        self.workers = workers or self.settings.server.render_workers or os.cpu_count() or 1
        self._studios: dict[tuple[str, str, str], Studio] = {}
        self._studio_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- the studios ----------------------------------------------------------------------------------

    def studio(self, llm: dict[str, Any] | None = None) -> Studio:
        """The shared Studio for a model choice ({} is the configured one); made once, its model loaded once."""
        key = _llm_key(llm)
        with self._studio_lock:
            if key not in self._studios:
                settings = self.settings.model_copy(deep=True)
                provider, model, base_url = key
                if provider and settings.llm.provider != "fake":  # tests run a scripted model
                    settings.llm.provider = provider  # type: ignore[assignment]
                if model:
                    settings.llm.model = model
                if base_url:
                    settings.llm.base_url = base_url
                self._studios[key] = Studio(settings)
            return self._studios[key]

    # -- asking ---------------------------------------------------------------------------------------

    def submit(self, *, user: str, session_id: str, text: str, project_id: str | None = None,
               llm: dict[str, Any] | None = None) -> JobInfo:  # fmt: skip
        """Queue a chat turn; a Conflict when the user already has `server.jobs_per_user` open."""
        job = self.store.submit(user=user, session_id=session_id, project_id=project_id,
                                request={"text": text, "llm": llm or {}},
                                limit=self.settings.server.jobs_per_user)  # fmt: skip
        log.info("job queued", extra={"job_id": job.id, "user": user, "session": session_id,
                                      "position": job.position})  # fmt: skip
        self._wake.set()
        return job

    def cancel(self, job_id: str, user: str) -> JobInfo:
        job = self.store.cancel(job_id, user)
        log.info("job cancel asked", extra={"job_id": job_id, "user": user, "status": job.status.value})
        return job

    def get(self, job_id: str) -> JobInfo:
        return self.store.get(job_id)

    def open_jobs(self, session_id: str) -> list[JobInfo]:
        return self.store.for_session(session_id, open_only=True)

    # -- running --------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        """Requeue what a dead server left running, then start the workers (once)."""
        if self.running:
            return
        requeued, failed = self.store.requeue_interrupted()
        if requeued or failed:
            log.info("jobs left by the last server", extra={"requeued": requeued, "failed": failed})
        self._stopping.clear()
        self._threads = [threading.Thread(target=self._work, name=f"reelcraft-job-{i}", daemon=True)
                         for i in range(self.workers)]  # fmt: skip
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        """Take no more jobs. A job still running stays `running` in the store: the next start runs it again."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=timeout_s / max(1, len(self._threads)))

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self.store.claim()
            except ReelcraftError:
                log.exception("the job store is unavailable")
                job = None
            if job is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            self.run(job)

    def run(self, job: JobInfo) -> None:
        """One job, start to end; every outcome is written to its row."""
        started = time.monotonic()
        last: dict[str, Any] = {"stage": None, "at": 0.0}

        def progress(stage: str, message: str) -> None:
            now = time.monotonic()
            if stage == last["stage"] and now - last["at"] < PROGRESS_EVERY_S and not message.startswith("warning"):
                return
            if self._stopping.is_set():
                raise ServerStopping(job.id)
            last.update(stage=stage, at=now)
            if self.store.progress(job.id, stage, message, now - started):
                raise JobCancelled(job.id)

        log.info("job started", extra={"job_id": job.id, "user": job.user, "attempt": job.attempts})
        studio = self.studio(job.request.get("llm")).for_item(progress)
        try:
            turn = studio.chat(job.session_id, str(job.request.get("text", "")))
        except ServerStopping:
            log.info("job left for the next start", extra={"job_id": job.id})
            return
        except JobCancelled:
            self.store.cancelled(job.id)
            log.info("job cancelled", extra={"job_id": job.id})
            return
        except Exception as exc:  # noqa: BLE001 - the worker lives on; the job says what happened, by stage
            stage, message = explain_failure(exc, last["stage"] or "chat", self.settings.home, RETRY)
            self.store.fail(job.id, stage, message)
            if isinstance(exc, ReelcraftError):
                log.warning("job failed", extra={"job_id": job.id, "stage": stage, "error": message})
            else:
                log.exception("job crashed", extra={"job_id": job.id, "stage": stage})
            return
        made_nothing = not turn.new_version and (turn.action or {}).get("action") not in ("reply", "ask_clarification")
        if self._stopping.is_set() and made_nothing:  # the stop ended its render, not a fault: undo, rerun next start
            self._undo_reply(studio, job.session_id)
            log.info("job cut short by the stop, left for the next start", extra={"job_id": job.id})
            return
        if turn.error:  # the chat says what failed; the job says it too, by stage
            stage = turn.error["stage"]
            message = turn.error["message"] + (f" — fix: {turn.error['fix']}" if turn.error.get("fix") else "")
            if "disk is full" not in message and (free := free_bytes(self.settings.home)) is not None \
                    and free < LOW_DISK_BYTES:
                message = f"the disk is full ({free / 2**20:.0f} MiB free): {message}"
            self.store.fail(job.id, stage, message)
            log.warning("job failed", extra={"job_id": job.id, "stage": stage, "error": message})
            return
        draft = turn.draft
        self.store.finish(job.id, {"reply": turn.reply, "draft_id": draft.id if draft else None,
                                   "version": draft.version if draft else None, "new_version": turn.new_version,
                                   "seconds": round(time.monotonic() - started, 1)})  # fmt: skip
        log.info("job done", extra={"job_id": job.id, "seconds": round(time.monotonic() - started, 1)})

    @staticmethod
    def _undo_reply(studio: Studio, session_id: str) -> None:
        session = studio.sessions.load(session_id)
        if session.messages and session.messages[-1].role == "assistant":
            session.messages.pop()
            studio.sessions.save(session)

    def wait(self, job_id: str, timeout_s: float = 600.0, poll_s: float = 0.5) -> JobInfo:
        """Block until the job has ended (tests, scripts)."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.store.get(job_id)
            if job.finished or time.monotonic() > deadline:
                return job
            time.sleep(poll_s)


_SHARED: dict[str, JobQueue] = {}
_SHARED_LOCK = threading.Lock()


def shared_queue(settings: Settings | None = None) -> JobQueue:
    """This process's queue (the server's lifespan starts it; the pages submit to it)."""
    settings = settings or Settings()
    key = str(settings.home)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = JobQueue(settings)
        return _SHARED[key]


def shared_studio(settings: Settings | None = None) -> Studio:
    """The queue's Studio for the configured model: the one every page of this process shares."""
    return shared_queue(settings).studio()
