"""A published version's files beside the Chroma collection of chunks: the BM25 index, the
catalog (chunks, names, word statistics) and the vectors of every chunk and citable unit
(memory-mapped: an article's rows are read when a question is routed to it), in one folder
named for the version's Chroma collection id.

Ingest writes the folder completely under a temporary name and renames it into place before
Chroma's collections are swapped, so any process that sees a version finds its files. With a
Chroma server, this folder must be one every app process and ingest can reach (a shared
volume, the same path everywhere: `CHATBOT_INDEX_DIR`).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.catalog import FILE, Catalog, write_catalog
from chatbot.chunking import Chunk
from chatbot.encoder import BASE
from chatbot.lexical import LexicalIndex
from chatbot.terms import content_terms
from chatbot.units import Unit

LEXICAL = "bm25"
VECTORS = "vectors.npy"
ENCODER = "encoder.txt"  # the fingerprint of the encoder that made the vectors


@dataclass(frozen=True, eq=False)
class Snapshot:
    version: str
    catalog: Catalog
    lexical: LexicalIndex
    vectors: np.ndarray  # one float32 row per chunk and unit (rows: catalog.vector_rows)
    # chatbot/encoder.py's fingerprint ("" if the caller did not say: fakes in tests); a
    # version written before encoders were recorded was made by the packaged model
    encoder: str = ""


def chunk_terms(chunk: Chunk) -> list[str]:
    return content_terms(chunk.embedding_text)


def write_snapshot(root: Path, version: str, chunks: list[Chunk], units: list[Unit],
                   vectors: Mapping[str, Sequence[float]], encoder: str = "") -> Path:
    """Build one version's files and move them into place in one step. `vectors`: by chunk
    and unit id, made by the encoder named `encoder`."""
    from chatbot.library import computed_at_ingest

    root.mkdir(parents=True, exist_ok=True)
    final = root / version
    staging = root / f".{version}.{os.getpid()}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    LexicalIndex.build({c.chunk_id: chunk_terms(c) for c in chunks}).save(staging / LEXICAL)
    rows = [(c.chunk_id, c.article_id) for c in chunks] + [(u.unit_id, u.article_id)
                                                           for u in units]
    dims = len(vectors[rows[0][0]]) if rows else 0
    matrix = np.lib.format.open_memmap(staging / VECTORS, mode="w+", dtype=np.float32,
                                       shape=(len(rows), dims))
    for row, (key, _) in enumerate(rows):
        matrix[row] = vectors[key]
    matrix.flush()
    del matrix
    articles, statistics = computed_at_ingest(chunks)
    write_catalog(staging / FILE, chunks, statistics, rows, articles)
    (staging / ENCODER).write_text(encoder, encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    return final


def open_snapshot(root: Path, version: str) -> Snapshot | None:
    """The version's files, opened without reading any chunk; None if they are not there."""
    folder = root / version
    if not (folder / FILE).exists():
        return None
    encoder = folder / ENCODER
    return Snapshot(version, Catalog(folder / FILE), LexicalIndex.open(folder / LEXICAL),
                    np.load(folder / VECTORS, mmap_mode="r"),
                    encoder.read_text(encoding="utf-8") if encoder.exists() else BASE)


def prune(root: Path, keep: set[str], staging_grace_s: float = 600.0) -> None:
    """Remove every version but `keep` (the live one and the one before it, which a process
    may be opening right now; files already open stay readable after removal), and staging
    folders a crashed ingest left behind."""
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.name in keep:
            continue
        if folder.name.startswith(".") and time.time() - folder.stat().st_mtime < staging_grace_s:
            continue  # possibly being written right now
        shutil.rmtree(folder, ignore_errors=True)
