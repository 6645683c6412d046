"""Serve the patient chat: `python app.py [--host H] [--port P]` (run `python ingest.py` first)."""

from __future__ import annotations

import argparse
import sys

from chatbot import IndexNotFoundError, Settings, load_chatbot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 7860)")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = Settings.from_env(**overrides)

    try:  # first: the model loads in the background while Gradio is imported below
        bot = load_chatbot(settings)
    except IndexNotFoundError as err:
        print(err, file=sys.stderr)
        return 2
    from chatbot.feedback import FeedbackStore
    from chatbot.ui import build_app, launch

    app = build_app(bot, FeedbackStore(settings.feedback_db))
    # Gradio gives its server 3 s to answer a start-up check; importing torch in the model's
    # thread can hold the interpreter longer on a busy machine, so the model comes first
    bot.ready()
    print(f"Serving the chat on http://{settings.host}:{settings.port}", flush=True)
    launch(app, settings.host, settings.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
