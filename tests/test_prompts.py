"""Prompt templates: every prompt in prompts/ loads, and a bad prompt fails with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import InputError, UsageError
from workbench.prompts import (
    PACKAGED,
    REPO_PROMPTS,
    Prompt,
    list_prompts,
    load_prompt,
    load_prompt_file,
    placeholders,
    prompt_dirs,
)

ROOT = Path(__file__).resolve().parent.parent
PROMPT_FILES = sorted((ROOT / "prompts").glob("*.toml"))
GOOD = """
description = "d"
variables = ["claim", "passage"]
system = "Answer as JSON: {{\\"stance\\": ...}}"
user = "CLAIM: {claim}\\nPASSAGE: {passage}"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_repo_has_the_prompts_features_need() -> None:
    assert {p.stem for p in PROMPT_FILES} >= {"judge_stance", "extract_claims"}
    assert REPO_PROMPTS == ROOT / "prompts"


@pytest.mark.parametrize("path", PROMPT_FILES, ids=lambda p: p.stem)
def test_every_prompt_loads(path: Path) -> None:
    prompt = load_prompt_file(path)
    assert prompt.name == path.stem
    assert prompt.description and prompt.user
    values = {v: f"<{v.upper()}>" for v in prompt.variables}
    system, user = prompt.format(**values)
    for value in values.values():
        assert value in system + user
    assert "{" not in user  # every placeholder filled, no stray brace
    assert load_prompt(path.stem) == prompt


def test_packaged_copy_matches_the_repo_prompts() -> None:
    packaged = ROOT / "workbench" / PACKAGED
    repo = {p.name: p.read_bytes() for p in PROMPT_FILES}
    shipped = {p.name: p.read_bytes() for p in packaged.glob("*.toml")}
    assert shipped == repo, (
        "workbench/prompts_data/ must be an exact copy of prompts/: "
        "run `rm workbench/prompts_data/*.toml && cp prompts/*.toml workbench/prompts_data/`"
    )


def test_known_prompt_variables() -> None:
    assert load_prompt("judge_stance").variables == ["claim", "passage"]
    assert load_prompt("extract_claims").variables == ["sentence", "context"]


def test_messages_are_langchain_tuples() -> None:
    messages = load_prompt("judge_stance").messages(claim="C", passage="P")
    assert [role for role, _ in messages] == ["system", "human"]
    assert '{"rationale"' in messages[0][1]  # literal braces survive formatting
    assert "CLAIM: C" in messages[1][1]


def test_format_checks_the_values() -> None:
    prompt = load_prompt("judge_stance")
    with pytest.raises(UsageError, match="takes"):
        prompt.format(claim="C")
    with pytest.raises(UsageError, match="takes"):
        prompt.format(claim="C", passage="P", extra="E")


def test_braces_in_values_are_not_reinterpreted() -> None:
    system, user = load_prompt("judge_stance").format(claim="{passage}", passage="x {y} }")
    assert "CLAIM: {passage}" in user and "x {y} }" in user


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("variables", "variabels"), "variabels: Extra inputs are not permitted"),
        (GOOD.replace('["claim", "passage"]', '["claim"]'), "used but not declared: passage"),
        (
            GOOD.replace('["claim", "passage"]', '["claim", "passage", "date"]'),
            "declared but not used: date",
        ),
        (GOOD.replace("{claim}", "{claim.text}"), "bare variable name"),
        (GOOD.replace("{claim}", "{claim!r}"), "bare variable name"),
        (GOOD.replace("{{", "{"), "literal brace"),
        (GOOD.replace('user = "', 'usr = "'), "user: Field required"),
        (GOOD.replace('"claim", "passage"', '"claim", "claim", "passage"'), "more than once"),
        (GOOD + "\nname = 'x'\n", "drop the 'name' key"),
        ("description = ", "not valid TOML"),
    ],
)
def test_bad_prompt_files_say_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad", text)
    with pytest.raises(InputError, match="bad.toml") as caught:
        load_prompt_file(path)
    assert message in str(caught.value)


def test_unknown_prompt_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"No prompt 'nope'.*known prompts: .*judge_stance"):
        load_prompt("nope")


@pytest.mark.parametrize("name", ["../etc/passwd", "Judge", "", "a/b"])
def test_prompt_names_are_plain(name: str) -> None:
    with pytest.raises(UsageError, match="Bad prompt name"):
        load_prompt(name)


def test_user_prompts_override_built_ins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    (tmp_path / "prompts").mkdir()
    write(tmp_path / "prompts", "judge_stance", GOOD)
    write(tmp_path / "prompts", "my_judge", GOOD)
    assert prompt_dirs()[0] == tmp_path / "prompts"
    assert load_prompt("judge_stance").description == "d"
    assert "my_judge" in list_prompts()


def test_placeholders() -> None:
    assert placeholders("a {x} {{literal}} {y}") == {"x", "y"}
    assert isinstance(Prompt.model_json_schema(), dict)
