"""Serve the patient chat: `python app.py [--host H] [--port P]` (run `python ingest.py` first)."""

from __future__ import annotations

import argparse
import sys

from chatbot import IndexNotFoundError, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = Settings.from_env(**overrides)

    from concurrent.futures import ThreadPoolExecutor

    from chatbot.service import open_service, serving_limits

    with ThreadPoolExecutor(1) as pool:
        # the first answering process loads (index, model) while this one imports Gradio; both
        # are ready before we listen; the other answering processes load after the first
        opening = pool.submit(open_service, settings, False)
        from chatbot.feedback import FeedbackStore
        from chatbot.ui import build_app, launch
        from chatbot.workers import WorkerStartError

        try:
            service = opening.result()
        except IndexNotFoundError as err:
            print(err, file=sys.stderr)
            return 2
        except WorkerStartError as err:  # e.g. a bad LLM setting: said as it is
            print(f"The answering processes could not start: {err}", file=sys.stderr)
            return 1
    _say_when_all_ready(service)
    app = build_app(service, FeedbackStore(settings.feedback_db))
    print(f"Serving the chat on http://{settings.host}:{settings.port}", flush=True)
    try:
        launch(app, settings.host, settings.port, **serving_limits(settings))
    finally:
        service.close()
    return 0


def _say_when_all_ready(service) -> None:
    """Print ALL_READY once every answering process has loaded (bench/load.py waits for it)."""
    import threading

    ready = getattr(service.answerer, "all_ready", None)
    if ready is None:
        return

    def say():
        ready.wait()
        print(ALL_READY, flush=True)

    threading.Thread(target=say, daemon=True, name="chatbot-all-ready").start()


ALL_READY = "All answering processes are ready."


if __name__ == "__main__":
    sys.exit(main())
