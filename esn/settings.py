"""Settings: the only module that reads the environment.

Every setting is an ``ESN_*`` variable with a default that works on a fresh
machine: SQLite under ``var/``, a secret key generated once into ``var/``,
in-process pub/sub and mail printed to the log.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_var_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("ESN_VAR_DIR", str(PROJECT_ROOT / "var")))


def _read_or_create_secret(var_dir: Path) -> str:
    """Return the secret kept in var/secret_key, creating it on first use."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting together must not write different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@dataclass(frozen=True)
class Settings:
    """Typed configuration for one esn instance."""

    database_url: str
    secret_key: str
    var_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = "http://127.0.0.1:8000"
    broadcast_url: str = "memory://"
    smtp_url: str = ""
    mail_from: str = "esn <no-reply@esn.localhost>"
    default_locale: str = "en"
    max_photo_bytes: int = 5 * 1024 * 1024
    session_days: int = 14
    login_window_seconds: int = 15 * 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 30
    password_reset_minutes: int = 60
    debug: bool = False
    # ESN_BENCH=1 adds the /_bench endpoints and per-request SQL counting;
    # only `esn bench` sets it, on a server it starts itself.
    bench: bool = False

    @property
    def media_dir(self) -> Path:
        """Uploaded files live here, outside static/ and never served as is."""
        return self.var_dir / "media"

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry the Secure flag when the site is served over HTTPS."""
        return self.base_url.startswith("https://")

    @property
    def base_origin(self) -> str:
        """Scheme and host of ``base_url``: what an Origin header must match."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``ESN_*`` variables (``os.environ`` by default)."""
        env = os.environ if env is None else env
        var_dir = _default_var_dir(env)
        host = env.get("ESN_HOST", "127.0.0.1")
        port = int(env.get("ESN_PORT", "8000"))
        database_url = env.get("ESN_DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / 'esn.sqlite3'}")
        secret_key = env.get("ESN_SECRET_KEY") or _read_or_create_secret(var_dir)
        return cls(
            database_url=database_url,
            secret_key=secret_key,
            var_dir=var_dir,
            host=host,
            port=port,
            base_url=env.get("ESN_BASE_URL", f"http://{host}:{port}").rstrip("/"),
            broadcast_url=env.get("ESN_BROADCAST_URL", "memory://"),
            smtp_url=env.get("ESN_SMTP_URL", ""),
            mail_from=env.get("ESN_MAIL_FROM", "esn <no-reply@esn.localhost>"),
            default_locale=env.get("ESN_DEFAULT_LOCALE", "en"),
            max_photo_bytes=int(env.get("ESN_MAX_PHOTO_BYTES", str(5 * 1024 * 1024))),
            session_days=int(env.get("ESN_SESSION_DAYS", "14")),
            debug=env.get("ESN_DEBUG", "") == "1",
            bench=env.get("ESN_BENCH", "") == "1",
        )
