"""Train when needed, start the action server and the Rasa server, stop both cleanly."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot import paths
from bot.knowledge import derive

DEFAULT_RASA_PORT = 5005
DEFAULT_ACTION_PORT = 5055
KEEP_MODELS = 3
# Files whose change means the model must be trained again.
TRAINING_INPUTS = (
    "config.yml",
    "domain.yml",
    "data",
    "knowledge",
    "bot/nlu",
    "bot/pinyin.py",
    "bot/entity_rules.py",
    "bot/tfidf_lr.py",
)


def rasa_port() -> int:
    return int(os.environ.get("RASA_PORT", DEFAULT_RASA_PORT))


def action_port() -> int:
    return int(os.environ.get("ACTION_PORT", DEFAULT_ACTION_PORT))


def _newest_mtime(root: Path, names: tuple[str, ...]) -> float:
    newest = 0.0
    for name in names:
        path = root / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            if "__pycache__" not in file.parts:
                newest = max(newest, file.stat().st_mtime)
    return newest


def latest_model(models_dir: Path | None = None) -> Path | None:
    models = sorted((models_dir or paths.models_dir()).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def needs_training(models_dir: Path | None = None) -> bool:
    """True when there is no model or an input is newer than the newest model."""
    model = latest_model(models_dir)
    return model is None or model.stat().st_mtime < _newest_mtime(paths.ROOT, TRAINING_INPUTS)


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa processes: the action server URL, quiet TensorFlow."""
    env = dict(os.environ)
    env.setdefault("ACTION_SERVER_URL", f"http://localhost:{action_port()}/webhook")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")  # no network calls home
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONPATH", str(paths.ROOT))
    env.update(extra or {})
    return env


WECHAT_CHANNEL = "bot.channels.wechat.WeChatInput"
WECHAT_SETTINGS = (
    "WECHAT_APPID", "WECHAT_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE", "WECHAT_MODE", "WECHAT_REPLY_TIMEOUT",
)  # fmt: skip


def run_credentials(env: dict[str, str]) -> Path:
    """credentials.yml as this launch uses it: the WeChat channel only when WECHAT_TOKEN is set.

    Rasa refuses a ``${VAR}`` that is not set, so unset optional WeChat settings are set empty
    in ``env`` (the channel applies its defaults).
    """
    source = paths.ROOT / "credentials.yml"
    if env.get("WECHAT_TOKEN"):
        for name in WECHAT_SETTINGS:
            env.setdefault(name, "")
        return source
    channels = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    channels.pop(WECHAT_CHANNEL, None)
    target = paths.var_dir() / "credentials.run.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "# Written by bot/launcher.py from credentials.yml (WECHAT_TOKEN is not set).\n"
        + yaml.safe_dump(channels, allow_unicode=True),
        encoding="utf-8",
    )
    return target


def train(force: bool = False) -> Path | None:
    """Rebuild derived files and train when needed; returns the model to use."""
    written = derive.build()
    for path in written:
        print(f"rebuilt {path.relative_to(paths.ROOT)} from knowledge/", flush=True)
    if not force and not needs_training():
        return latest_model()
    out = paths.models_dir()
    out.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "rasa", "train", "--force", "--out", str(out)]
    print("training the model: " + " ".join(command[2:]), flush=True)
    started = time.monotonic()
    subprocess.run(command, cwd=paths.ROOT, env=base_env(), check=True)
    print(f"training took {time.monotonic() - started:.0f} s", flush=True)
    for old in sorted(out.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[:-KEEP_MODELS]:
        old.unlink()
    return latest_model()


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class Assistant:
    """The running assistant: an action server and a Rasa server, as child processes."""

    rasa_port: int = field(default_factory=rasa_port)
    action_port: int = field(default_factory=action_port)
    model: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None  # None: inherit the terminal
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    # Rasa's HTTP API is enabled only behind this per-launch token, to check that the model loaded.
    api_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def _env(self) -> dict[str, str]:
        return base_env({"ACTION_SERVER_URL": f"http://localhost:{self.action_port}/webhook", **self.env})

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        env = env or self._env()
        self.processes[name] = subprocess.Popen(
            command,
            cwd=paths.ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
        )

    def start(self, timeout: float = 180) -> Assistant:
        model = self.model or latest_model()
        if model is None:
            raise RuntimeError("no trained model in var/models: run `make train` first")
        started = time.monotonic()
        self._spawn(
            "actions",
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.action_port)],
        )
        rasa_env = self._env()
        credentials = run_credentials(rasa_env)
        self._spawn(
            "rasa",
            [
                sys.executable, "-m", "bot.rasa_run", "run",
                "--model", str(model),
                "--port", str(self.rasa_port),
                "--endpoints", "endpoints.yml",
                "--credentials", str(credentials),
                "--cors", "*",
                "--enable-api", "--auth-token", self.api_token,
            ],
            rasa_env,
        )  # fmt: skip
        checks = {
            "actions": f"http://localhost:{self.action_port}/health",
            "rasa": f"{self.url}/status?token={self.api_token}",  # 409 until the model is loaded
        }
        waiting = dict(checks)
        while waiting:
            for name in list(waiting):
                if self.processes[name].poll() is not None:
                    self.stop()
                    raise RuntimeError(f"the {name} server exited during start-up (see its log)")
                if _http_ok(waiting[name]):
                    del waiting[name]
            if time.monotonic() - started > timeout:
                self.stop()
                raise TimeoutError(f"not ready after {timeout:.0f} s: {', '.join(waiting)}")
            time.sleep(0.25)
        self.ready_seconds = time.monotonic() - started
        return self

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM the servers (review console and Rasa first), wait, then kill what is left."""
        for name in ("review", "rasa", "actions"):
            process = self.processes.get(name)
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            if process.stdout:
                process.stdout.close()
        self.processes.clear()

    def start_review_console(self, port: int, timeout: float = 60) -> str:
        """The trainers' review console (``bot.review.console``) as a third child process."""
        self._spawn("review", [sys.executable, "-m", "bot.review.console", "--port", str(port)])
        url = f"http://localhost:{port}"
        deadline = time.monotonic() + timeout
        while not _http_ok(f"{url}/login"):
            if self.processes["review"].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the review console did not start (see its output)")
            time.sleep(0.3)
        return url

    def __enter__(self) -> Assistant:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def ask(
        self, text: str, sender: str = "test", metadata: dict | None = None, timeout: float = 30
    ) -> list[dict]:
        """Send one message through the REST channel; returns the reply messages."""
        body = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        request = urllib.request.Request(
            self.rest_url,
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))


def meta_of(replies: list[dict]) -> dict | None:
    """The reply metadata (``custom``) among REST replies."""
    from bot.reply_meta import is_reply_meta

    found = [r["custom"] for r in replies if is_reply_meta(r.get("custom"))]
    return found[0] if len(found) == 1 else None


def run_forever() -> int:
    """``make run``: train if needed, start both servers, print the URL, stop on Ctrl-C."""
    train()
    assistant = Assistant(log_dir=None)
    print(
        f"starting the assistant (Rasa :{assistant.rasa_port}, actions :{assistant.action_port}) …",
        flush=True,
    )
    assistant.start()
    review_url = assistant.start_review_console(int(os.environ.get("REVIEW_PORT", 8000)))
    print(
        f"\n明白人助手 is ready after {assistant.ready_seconds:.0f} s.\n"
        f"  Chat page:    {assistant.url}/chat   (handbook: {assistant.url}/handbook)\n"
        f"  Chat (REST):  POST {assistant.rest_url}\n"
        f"  Review:       {review_url}/   (accounts: python -m bot user add NAME --role trainer)\n"
        f"  Try:          curl -s {assistant.rest_url} -H 'Content-Type: application/json' "
        '-d \'{"sender": "me", "message": "宅基地归谁所有"}\'\n'
        + (
            f"  WeChat:       {assistant.url}/webhooks/wechat/webhook (server URL of the Official Account)\n"
            if os.environ.get("WECHAT_TOKEN")
            else "  WeChat:       off (set WECHAT_TOKEN to enable the Official Account channel)\n"
        )
        + "Press Ctrl-C to stop.\n",
        flush=True,
    )
    stopping = False

    def on_signal(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        while all(p.poll() is None for p in assistant.processes.values()):
            time.sleep(0.5)
        print("a server exited unexpectedly; stopping.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        stopping = True
        print("\nstopping …", flush=True)
        return 0
    finally:
        assistant.stop()
        if stopping:
            print("stopped.", flush=True)
