"""Build or refresh the index from the corpus folder: `python ingest.py [--corpus DIR]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chatbot import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, help="folder of articles (default: corpus/)")
    parser.add_argument("--chroma-dir", type=Path, help="index folder (default: .chroma/)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("corpus_dir", args.corpus), ("chroma_dir", args.chroma_dir))
                 if v is not None}
    settings = Settings.from_env(**overrides)

    from chatbot.corpus import ArticleError
    from chatbot.embedding import LazyEmbeddings
    from chatbot.indexing import ingest_folder
    from chatbot.store import where

    try:
        embeddings = LazyEmbeddings(settings.embedding_model_path, settings.torch_threads)
        report = ingest_folder(settings, embeddings)
    except (ArticleError, FileNotFoundError) as err:
        print(f"Ingest failed: {err}", file=sys.stderr)
        return 1
    print(f"Index at {where(settings)}: {report.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
