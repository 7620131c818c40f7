"""The review store's database: SQLite file by default, Postgres (or any SQLAlchemy URL) for a team server.

Opening a store brings its schema to the newest Alembic revision, so an upgraded app migrates an old file
in place. SQLite runs in WAL mode with foreign keys on, which makes every commit atomic on disk: a process
killed mid-save leaves the previous state, never half a version.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from reelcraft.errors import ConfigError, StoreError

MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATING = threading.RLock()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def open_engine(url: str) -> Engine:
    """An engine on `url` with the schema migrated to the newest revision."""
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # noqa: BLE001 - a malformed URL or a missing driver
        raise ConfigError(f"cannot open the review database {url!r}: {exc}",
                          "set review.db_url to sqlite:///path or postgresql://user@host/db") from exc  # fmt: skip
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with _MIGRATING:  # pages, the job queue and the review page open stores at once on a fresh database
            for attempt in (1, 2):
                try:
                    with engine.begin() as connection:
                        config = alembic_config(url)
                        config.attributes["connection"] = connection
                        command.upgrade(config, "head")
                    break
                except Exception:  # another process migrated it meanwhile: the second look finds it done
                    if attempt == 2:
                        raise
    except Exception as exc:  # noqa: BLE001 - server down, no permission, a newer schema
        raise ConfigError(f"the review database {engine.url.render_as_string(hide_password=True)} could not be "
                          f"opened or migrated: {type(exc).__name__}: {exc}",
                          "check that the server is running and the user may create tables") from exc  # fmt: skip
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


class StoreTransaction:
    """A session in one transaction whose failure (a full disk, a lost server) is a StoreError saying what `store`
    could not do and `fix`; it is rolled back, so the store keeps its last whole state."""

    def __init__(self, sessions: sessionmaker[Session], store: str, action: str, fix: str) -> None:
        self.sessions, self.store, self.action, self.fix = sessions, store, action, fix

    def __enter__(self) -> Session:
        self.session = self.sessions()
        return self.session

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> bool:
        try:
            if kind is None:
                self.session.commit()
            else:
                self.session.rollback()
        except SQLAlchemyError as error:
            self.session.rollback()
            raise StoreError(f"the {self.store} could not {self.action}: {error.__class__.__name__}: {error}",
                             self.fix) from error
        finally:
            self.session.close()
        if isinstance(exc, SQLAlchemyError):
            raise StoreError(f"the {self.store} could not {self.action}: {exc}", self.fix) from exc
        return False
