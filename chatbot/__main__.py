"""`python -m chatbot ask "question" [--json]`: one answer on the command line."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chatbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer one question from the indexed articles")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the full Answer as JSON")
    ask.add_argument("--after", action="append", default=[], metavar="EARLIER_QUESTION",
                     help="an earlier question in the conversation (repeatable, oldest first)")
    args = parser.parse_args(argv)

    from chatbot import IndexNotFoundError, load_chatbot

    try:
        bot = load_chatbot()
    except IndexNotFoundError as err:
        print(err, file=sys.stderr)
        return 2
    history = [{"role": "user", "content": q} for q in args.after]
    answer = bot.ask(args.question, history=history)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"[{answer.status}] {answer.answer}\n")
    for c in answer.citations:
        print(f"[{c.n}] {c.source} — {c.section}:\n    “{c.quote}”")
    print(f"\n{answer.disclaimer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
