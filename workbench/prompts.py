"""Prompt templates as data: TOML files with ``system``, ``user`` and declared ``variables``.

A prompt file ``NAME.toml`` holds::

    description = "What the prompt asks for."
    variables = ["claim", "passage"]
    system = "Instructions…"
    user = "CLAIM: {claim}\\nPASSAGE: {passage}"

Placeholders are ``{name}`` (``str.format`` style; write a literal brace as ``{{`` or ``}}``).
Loading checks that the placeholders used are exactly the declared ``variables``, and an
unknown key in the file is an error, not ignored.

Where prompts are found, first hit wins:

1. ``$WORKBENCH_HOME/prompts/NAME.toml`` — a user's own version overrides the built-in one;
2. ``prompts/`` at the top of a source checkout (the files developers edit);
3. ``workbench/prompts_data/`` inside the installed package, an exact copy of ``prompts/``
   that ships in the wheel (a test keeps the two identical).
"""

from __future__ import annotations

import re
import string
import tomllib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from workbench.errors import InputError, UsageError
from workbench.settings import home

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
REPO_PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
PACKAGED = "prompts_data"


class Prompt(BaseModel):
    """A validated prompt template.

    Example: ``load_prompt("judge_stance").messages(claim="…", passage="…")``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(exclude=True)
    description: str
    variables: list[str]
    system: str
    user: str
    version: int = 1

    @model_validator(mode="after")
    def _placeholders_match(self) -> Prompt:
        for var in self.variables:
            if not _IDENT.match(var):
                raise ValueError(f"variable '{var}' is not a plain identifier")
        if len(set(self.variables)) != len(self.variables):
            raise ValueError("variables are declared more than once")
        used = placeholders(self.system) | placeholders(self.user)
        declared = set(self.variables)
        if used != declared:
            missing = ", ".join(sorted(used - declared)) or "none"
            unused = ", ".join(sorted(declared - used)) or "none"
            raise ValueError(
                f"placeholders do not match the declared variables "
                f"(used but not declared: {missing}; declared but not used: {unused})"
            )
        return self

    def format(self, **values: str) -> tuple[str, str]:
        """The (system, user) texts with every variable filled in."""
        given, declared = set(values), set(self.variables)
        if given != declared:
            raise UsageError(f"Prompt '{self.name}' takes {sorted(declared)}, got {sorted(given)}")
        return self.system.format(**values).strip(), self.user.format(**values).strip()

    def messages(self, **values: str) -> list[tuple[str, str]]:
        """Chat messages in the form LangChain models accept: ``[("system", …), ("human", …)]``."""
        system, user = self.format(**values)
        out = [("system", system)] if system else []
        return [*out, ("human", user)]


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields of a template; raises ValueError for anything but bare names."""
    names: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"{exc}; write a literal brace as '{{{{' or '}}}}'") from exc
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not _IDENT.match(field) or spec or conversion:
            raise ValueError(
                f"placeholder '{{{field}}}' must be a bare variable name "
                "(write a literal brace as '{{' or '}}')"
            )
        names.add(field)
    return names


def prompt_dirs() -> list[Path]:
    """Where prompts are looked up, in order (see the module docstring)."""
    dirs = [home() / "prompts"]
    # Only in a source checkout: an installed package's parent is site-packages, where a
    # "prompts" folder would belong to someone else.
    if REPO_PROMPTS.is_dir() and (REPO_PROMPTS.parent / "pyproject.toml").is_file():
        dirs.append(REPO_PROMPTS)
    packaged = Path(str(resources.files("workbench") / PACKAGED))
    if packaged.is_dir():
        dirs.append(packaged)
    return dirs


def list_prompts(dirs: list[Path] | None = None) -> list[str]:
    """Names of all prompts that can be loaded."""
    names = {p.stem for d in (dirs or prompt_dirs()) if d.is_dir() for p in d.glob("*.toml")}
    return sorted(n for n in names if _NAME.match(n))


def find_prompt(name: str, dirs: list[Path] | None = None) -> Path:
    """The file a prompt name resolves to; ``UsageError`` naming the known prompts if none."""
    if not _NAME.match(name):
        raise UsageError(
            f"Bad prompt name '{name}': use lower-case letters, digits, '_' and '-' "
            "(the file name without .toml)"
        )
    searched = dirs or prompt_dirs()
    for folder in searched:
        path = folder / f"{name}.toml"
        if path.is_file():
            return path
    known = ", ".join(list_prompts(searched)) or "none"
    where = ", ".join(str(d) for d in searched)
    raise UsageError(f"No prompt '{name}' (looked in {where}); known prompts: {known}")


def load_prompt(name: str, dirs: list[Path] | None = None) -> Prompt:
    """Load and validate the prompt ``name`` (a file ``NAME.toml`` in the prompt folders)."""
    return load_prompt_file(find_prompt(name, dirs))


def load_prompt_file(path: Path) -> Prompt:
    """Load and validate one prompt file; ``InputError`` says what is wrong and where."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"Prompt file {path} does not exist") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"Prompt file {path} is not valid TOML ({exc}); fix it") from exc
    if "name" in data:
        raise InputError(f"Prompt file {path}: drop the 'name' key; the file name is the name")
    try:
        return Prompt.model_validate({**data, "name": path.stem})
    except ValidationError as exc:
        problems = []
        for error in exc.errors()[:4]:
            where = ".".join(str(p) for p in error["loc"]) or "file"
            problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        raise InputError(f"Prompt file {path}: {'; '.join(problems)}; fix the file") from exc
