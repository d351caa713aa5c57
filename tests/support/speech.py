"""Real recordings for tests and bench/asr.py: a scripted call spoken by espeak-ng.

Each turn is synthesised with its speaker's voice and laid on that speaker's channel (stereo,
like a call recorder) or on the one channel (mono), with a short pause between turns.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ESPEAK = "espeak-ng"
VOICES = ("en-us", "en-gb+f2")  # two clearly different voices: speaker 0 and speaker 1


@dataclass(frozen=True)
class SpokenTurn:
    speaker: int  # index into the voices: 0 or 1
    start: float
    end: float
    text: str


def espeak_available() -> bool:
    return shutil.which(ESPEAK) is not None


def synthesize(text: str, voice: str, words_per_minute: int = 165) -> tuple[np.ndarray, int]:
    """``text`` spoken by ``voice``: int16 samples and their rate."""
    result = subprocess.run([ESPEAK, "-v", voice, "-s", str(words_per_minute), "--stdout", text],
                            capture_output=True, check=True, timeout=120)
    with wave.open(io.BytesIO(result.stdout)) as audio:
        rate = audio.getframerate()
        samples = np.frombuffer(audio.readframes(audio.getnframes()), dtype=np.int16)
    return samples, rate


def synthesize_call(
    turns: Sequence[tuple[int, str]],
    path: Path,
    *,
    stereo: bool = True,
    voices: Sequence[str] = VOICES,
    pause_seconds: float = 0.5,
) -> list[SpokenTurn]:
    """Write the call to ``path`` (WAV); returns when each turn is spoken."""
    spoken: list[tuple[int, np.ndarray, str]] = []
    rate = 22050
    for speaker, text in turns:
        samples, rate = synthesize(text, voices[speaker])
        spoken.append((speaker, samples, text))
    pause = int(pause_seconds * rate)
    length = sum(len(samples) + pause for _, samples, _ in spoken) + pause
    channels = np.zeros((2 if stereo else 1, length), dtype=np.int16)
    timeline, at = [], pause
    for speaker, samples, text in spoken:
        channels[speaker if stereo else 0, at:at + len(samples)] = samples
        timeline.append(SpokenTurn(speaker, at / rate, (at + len(samples)) / rate, text))
        at += len(samples) + pause
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels.shape[0])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(channels.T.tobytes())
    return timeline
