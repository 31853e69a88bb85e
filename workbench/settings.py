"""Settings: defaults, then ``$WORKBENCH_HOME/config.toml``, then environment variables.

``WORKBENCH_HOME`` (default ``~/.workbench``) relocates the config file; ``WORKBENCH_STORE``
sets the default store directory (default ``./store``); ``WORKBENCH_ANNOTATOR`` names the
person recording verdicts; ``WORKBENCH_JUDGE`` and ``WORKBENCH_LLM`` pick the stance judge
and the chat model spec.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.errors import UsageError


class Settings(BaseModel):
    """User settings, validated: an unknown key in the config file is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")

    store: Path = Path("store")
    annotator: str | None = None
    judge: str = "nli"
    llm: str | None = None
    top_k: int = Field(default=10, ge=1, le=200)
    keymap: dict[str, str] = Field(default_factory=dict)

    def annotator_name(self) -> str:
        """The annotator to record: the setting, else the login name."""
        if self.annotator:
            return self.annotator
        try:
            return getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
            return "anonymous"


def home() -> Path:
    return Path(os.environ.get("WORKBENCH_HOME", "~/.workbench")).expanduser()


def config_path() -> Path:
    return home() / "config.toml"


_ENV = {
    "WORKBENCH_STORE": "store",
    "WORKBENCH_ANNOTATOR": "annotator",
    "WORKBENCH_JUDGE": "judge",
    "WORKBENCH_LLM": "llm",
}


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file (if any) and apply environment overrides."""
    path = path or config_path()
    data: dict[str, object] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"Config file {path} is not valid TOML ({exc}); fix or delete it"
            ) from exc
    for env, key in _ENV.items():
        value = os.environ.get(env)
        if value:
            data[key] = value
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "config"
        raise UsageError(
            f"Bad setting '{where}' in {path} or the environment: {first['msg']}; fix it or remove it"
        ) from exc
