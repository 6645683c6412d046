"""The eval viewer: one self-contained HTML page for a run, or for two runs compared.

Works offline and fetches nothing (a Content-Security-Policy forbids it); every text from a
case or an answer is escaped, so markup in a question shows as text. A small inline script
filters the cases (failing, changed, category, article, fit/holdout) and searches them; without
it every case is shown.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable

from evals.figures import figure, known, reply
from evals.worddiff import word_diff

SAME, REWORDED, WORSE, BETTER, NEW = "same", "reworded", "worse", "better", "new"
CHANGE_WORDS = {REWORDED: "answered differently", WORSE: "got worse", BETTER: "got better",
                NEW: "new question"}
SHOWN_CHARS = 600  # of a patient message; over-long test input is cut for reading

STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:1200px;margin:1.5em auto;padding:0 1em;
color:#1b1b1b}h1{margin-bottom:.2em}h2{margin-top:1.6em}.sub{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #ccc;padding:.3em .6em;
text-align:left;vertical-align:top}th small{display:block;font-weight:normal;color:#555}
.verdict{font-size:1.25em;font-weight:600}.ok{color:#0a6b2a}.bad{color:#9b0000}
.better{color:#0a6b2a}.worse{color:#9b0000}
#filters{position:sticky;top:0;background:#f4f6fa;border:1px solid #ccd;padding:.5em .8em;
display:flex;flex-wrap:wrap;gap:.8em;align-items:center;z-index:1}
#filters input[type=search]{min-width:18em;padding:.25em}
.case{border:1px solid #ccc;border-radius:6px;padding:.5em 1em;margin:1em 0}
.case.fail{border-left:6px solid #c62828}.case.pass{border-left:6px solid #2e7d32}
.case h3{margin:.2em 0;font-size:1.05em}.badge{display:inline-block;border-radius:3px;
padding:0 .4em;margin-left:.4em;font-size:.85em;color:#fff;background:#555}
.badge.fail,.badge.worse{background:#c62828}.badge.pass,.badge.better{background:#2e7d32}
.badge.reworded,.badge.new{background:#1f5fa8}.meta{color:#555;font-size:.9em}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.reply{background:#fafafa;border:1px solid #e3e3e3;border-radius:4px;padding:.3em .8em}
.answer,.turns li{white-space:pre-wrap;overflow-wrap:anywhere}h4{margin:.5em 0 .2em}
del{background:#ffd7d5;text-decoration:line-through}ins{background:#c8f0cd;
text-decoration:none}.citations{padding-left:1.2em}.citations li{margin:.2em 0}
.src{color:#555;font-size:.9em}.why li{color:#9b0000}
.legend{list-style:none;padding:0;display:flex;gap:1.2em;flex-wrap:wrap;font-size:.9em}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
@media (max-width:800px){.grid{grid-template-columns:1fr}}"""

SCRIPT = """(function(){
var cases=[].slice.call(document.querySelectorAll('article.case'));
var texts=cases.map(function(c){return c.textContent.toLowerCase();});
function val(id){var el=document.getElementById(id);return el?el.value:'';}
function apply(){
 var show=val('show'),cat=val('category'),art=val('article'),split=val('split');
 var words=val('search').toLowerCase().split(/\\s+/).filter(Boolean),n=0;
 cases.forEach(function(c,i){
  var d=c.dataset,ok=show==='all'||(show==='failing'&&d.result==='fail')||
   (show==='passing'&&d.result==='pass')||(show==='changed'&&d.change!=='same')||
   show===d.change;
  ok=ok&&(!cat||d.category===cat)&&(!art||d.article===art)&&(!split||d.split===split)&&
   words.every(function(w){return texts[i].indexOf(w)>=0;});
  c.hidden=!ok;if(ok)n++;});
 document.getElementById('count').textContent='Showing '+n+' of '+cases.length+' questions';
}
['show','category','article','split','search'].forEach(function(id){
 var el=document.getElementById(id);if(el){el.addEventListener('input',apply);
 el.addEventListener('change',apply);}});
apply();
})();"""


def _e(value) -> str:
    return html.escape(str(value))


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
    return (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "form-action 'none'; base-uri 'none'")


def is_library(report: dict) -> bool:
    return "splits" in report.get("summary", {})


def change_of(new: dict, old: dict | None) -> str:
    """How a case moved between two runs."""
    if old is None:
        return NEW
    if old["passed"] != new["passed"]:
        return BETTER if new["passed"] else WORSE
    def said(row: dict) -> tuple[str, str]:
        return row["answer"].get("status", ""), row["answer"].get("answer", "")

    if said(old) != said(new):
        return REWORDED
    return SAME


def headline(report: dict) -> str:
    """'91 of 126 questions answered as expected (72.2%).' (per split for the library)."""
    rows = report["cases"]
    key = "correct" if is_library(report) else "pass_rate"
    words = figure(key).name.lower()
    text = f"{_count(rows)} questions {words}"
    splits = sorted({r["split"] for r in rows if r.get("split")})
    if splits:
        text += ": " + ", ".join(f"{s} {_count([r for r in rows if r.get('split') == s])}"
                                 for s in splits)
    return text + "."


def _count(rows: list[dict]) -> str:
    passed = sum(bool(r["passed"]) for r in rows)
    share = f" ({passed / len(rows):.1%})" if rows else ""
    return f"{passed} of {len(rows)}{share}"


def render(report: dict, old: dict | None = None, *, new_name: str = "this run",
           old_name: str = "before", trend_svg: str = "") -> str:
    """The page for one run (`old` None) or for `old` -> `report` compared."""
    library = is_library(report)
    meta = report.get("meta", {})
    rows = report["cases"]
    before = {c["id"]: c for c in old["cases"]} if old else {}
    changes = {r["id"]: change_of(r, before.get(r["id"])) for r in rows} if old else {}
    removed = [cid for cid in before if cid not in {r["id"] for r in rows}]
    title = ("Library evals: fit and holdout" if library else "Answer-quality report")
    if old:
        title += f" — {old_name} compared with {new_name}"
    gate = meta.get("gate", [])
    verdict = ('<p class="verdict ok">Meets the bar: no figure below its minimum'
               + ("" if library else ", no question that passed before fails now")
               + ".</p>") if not gate else (
        '<p class="verdict bad">Below the bar:</p><ul class="gate">'
        + "".join(f"<li>{_e(g)}</li>" for g in gate) + "</ul>")
    summary = f'<p class="verdict">{_e(headline(report))}</p>'
    if old:
        counts = {kind: sum(c == kind for c in changes.values()) for kind in CHANGE_WORDS}
        summary = (f"<p>{_e(_upper_first(old_name))}: {_e(headline(old))}</p>"
                   f'<p class="verdict">{_e(_upper_first(new_name))}: {_e(headline(report))}</p>'
                   f'<p><span class="worse">{counts[WORSE]} got worse</span>, '
                   f'<span class="better">{counts[BETTER]} got better</span>, '
                   f"{counts[REWORDED]} answered differently with the same verdict, "
                   f"{counts[NEW]} new, {len(removed)} removed"
                   + (f" ({_e(', '.join(removed))})" if removed else "") + ".</p>")
    parts = [
        f"<h1>{_e(title)}</h1>",
        f'<p class="sub">{_e(meta.get("started", ""))} · answerer '
        f'{_e(meta.get("generator", "extractive"))}'
        + (f" · holdout articles: {_e(', '.join(meta['holdout_articles']))}"
           if meta.get("holdout_articles") else "") + "</p>",
        summary, verdict,
        "<h2>Figures</h2>", _figures_table(_groups(report), _groups(old) if old else None),
    ]
    if library:
        parts.append("<p>Holdout questions are never used to choose anything in the answerer; "
                     "a large gap between fit and holdout means it fits its own questions, "
                     "not patients'.</p>")
    if trend_svg:
        parts += ["<h2>Across runs</h2>", trend_svg]
    parts += ["<h2>Per category</h2>", _breakdown(rows, "category")]
    if any(r.get("article") for r in rows):
        parts += ["<h2>Per article</h2>", _breakdown(rows, "article")]
    if meta.get("failure_classes"):
        parts.append("<h2>Failures by kind</h2><ul>" + "".join(
            f"<li>{_e(k)}: {_e(v)}</li>" for k, v in meta["failure_classes"].items()) + "</ul>")
    parts += ["<h2>Questions</h2>", _filters(rows, bool(old)),
              *(_case(r, before.get(r["id"]), changes.get(r["id"], SAME), old_name, new_name)
                for r in rows)]
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_csp()}">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + f"<script>{SCRIPT}</script></body></html>")


def _groups(report: dict) -> dict[str, dict]:
    summary = report.get("summary") or {"overall": {}}
    if "splits" in summary:
        return {**{s.capitalize(): f for s, f in summary["splits"].items()},
                "All": summary["overall"]}
    return {"All questions": summary["overall"]}


def _figures_table(groups: dict[str, dict], old_groups: dict[str, dict] | None) -> str:
    present = [k for k in next(iter(groups.values()), {}) if k not in ("cases", "passed")]
    # The order of evals/figures.toml (most telling first), then any figure it does not name.
    keys = [k for k in known() if k in present] + [k for k in present if k not in known()]
    head = "".join(
        f"<th>{_e(g)}</th>" + (f"<th>{_e(g)}, before</th>" if old_groups else "")
        for g in groups)
    body = []
    for key in keys:
        fig = figure(key)
        cells = []
        for name, figures in groups.items():
            value = figures.get(key)
            if old_groups is None:
                cells.append(f"<td>{_e(fig.show(value))}</td>")
                continue
            was = old_groups.get(name, {}).get(key)
            moved = fig.improved(was, value)
            css = "" if moved is None else (' class="better"' if moved else ' class="worse"')
            cells.append(f"<td{css}>{_e(fig.show(value))}</td><td>{_e(fig.show(was))}</td>")
        body.append(f'<tr><th title="{_e(key)}">{_e(fig.name)}<small>{_e(fig.meaning)}</small>'
                    f"</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>figure</th>{head}</tr>{''.join(body)}</table>"


def _breakdown(rows: list[dict], key: str) -> str:
    """Questions as expected per category (or article), fit and holdout side by side."""
    splits = sorted({r["split"] for r in rows if r.get("split")}) or [""]
    head = "".join(f"<th>{_e(s or 'as expected')}</th>" for s in splits)
    body = []
    for value in sorted({r.get(key) or "–" for r in rows}):
        cells = []
        for s in splits:
            group = [r for r in rows if (r.get(key) or "–") == value
                     and (not s or r.get("split") == s)]
            passed = sum(bool(r["passed"]) for r in group)
            css = "" if not group else (' class="ok"' if passed == len(group) else ' class="bad"')
            cells.append(f"<td{css}>{passed} of {len(group)}</td>" if group else "<td>–</td>")
        body.append(f"<tr><th>{_e(value)}</th>{''.join(cells)}</tr>")
    return f"<table><tr><th>{_e(key)}</th>{head}</tr>{''.join(body)}</table>"


def _select(name: str, label: str, options: Iterable[tuple[str, str]]) -> str:
    opts = "".join(f'<option value="{_e(v)}">{_e(t)}</option>' for v, t in options)
    return f'<label>{_e(label)} <select id="{name}">{opts}</select></label>'


def _filters(rows: list[dict], compared: bool) -> str:
    show = [("all", "all questions"), ("failing", "not as expected"),
            ("passing", "as expected")]
    if compared:
        show += [("changed", "changed (any)"), (WORSE, "got worse"), (BETTER, "got better"),
                 (REWORDED, "answered differently, same verdict"), (NEW, "new questions")]
    parts = [_select("show", "Show", show),
             _select("category", "Category", [("", "all"), *(
                 (c, c) for c in sorted({r["category"] for r in rows}))])]
    articles = sorted({r["article"] for r in rows if r.get("article")})
    if articles:
        parts.append(_select("article", "Article", [("", "all"), *((a, a) for a in articles)]))
    splits = sorted({r["split"] for r in rows if r.get("split")})
    if splits:
        parts.append(_select("split", "Fit / holdout", [("", "both"), *((s, s) for s in splits)]))
    parts.append('<label>Search <input type="search" id="search" '
                 'placeholder="words in a question, answer or id"></label>'
                 '<span id="count" role="status"></span>')
    return f'<form id="filters" role="search" onsubmit="return false">{"".join(parts)}</form>'


def _facts(facts: list[list[str]]) -> str:
    return "; ".join(" or ".join(f"“{p}”" for p in fact) for fact in facts)


def _expected(row: dict) -> str:
    items = [f"<li>Reply: {_e(reply(row['expected_status']))}</li>"]
    for key, label in (("expected_facts", "Facts"), ("must_not_contain", "Must not say"),
                       ("expected_sections", "Sections looked up"),
                       ("answer_sentences", "Answer sentences")):
        value = row.get(key)
        if not value:
            continue
        shown = _facts(value) if key == "expected_facts" else "; ".join(f"“{v}”" for v in value)
        items.append(f"<li>{label}: {_e(shown)}</li>")
    if "expected_facts" not in row:
        items.append("<li class=\"meta\">(facts not recorded in this run)</li>")
    return f"<ul>{''.join(items)}</ul>"


def _reply(answer: dict, heading: str, text_html: str | None = None) -> str:
    cites = "".join(
        f'<li><b>[{_e(c["n"])}]</b> “{_e(c["quote"])}” <span class="src">— '
        f'{_e(c.get("section", ""))} · {_e(c.get("article_id") or c.get("source", ""))}'
        "</span></li>" for c in answer.get("citations", []))
    body = text_html if text_html is not None else _e(answer.get("answer", ""))
    return (f'<div class="reply"><h4>{_e(heading)}: {_e(reply(answer["status"]))}</h4>'
            f'<p class="answer">{body}</p>'
            + (f'<ol class="citations">{cites}</ol>' if cites else "") + "</div>")


def _checks(row: dict) -> str:
    got = row["answer"]["status"]
    failed = [m for m in row["metrics"] if not m["passed"]]
    why = "".join(f"<li>{_e(figure(m['name']).why(row['expected_status'], got, m['reason']))}"
                  "</li>" for m in failed)
    table = "".join(
        f'<tr><td title="{_e(m["name"])}">{_e(figure(m["name"]).name)}</td>'
        f'<td>{_e(figure(m["name"]).show(m["value"]))}</td>'
        f'<td class="{"ok" if m["passed"] else "bad"}">{"yes" if m["passed"] else "no"}</td>'
        f"<td>{_e(m['reason'])}</td></tr>" for m in row["metrics"])
    return ((f'<h4>Why it is not as expected</h4><ul class="why">{why}</ul>' if why else "")
            + f"<details><summary>All checks ({len(row['metrics'])})</summary><table>"
            f"<tr><th>check</th><th>value</th><th>passed</th><th>detail</th></tr>{table}"
            "</table></details>")


def _turns(turns: list[str]) -> str:
    items = []
    for i, turn in enumerate(turns):
        shown = turn if len(turn) <= SHOWN_CHARS else (
            f"{turn[:SHOWN_CHARS]}… ({len(turn):,} characters in all)")
        earlier = '<span class="meta">earlier: </span>' if i < len(turns) - 1 else ""
        items.append(f"<li>{earlier}{_e(shown)}</li>")
    return f'<ol class="turns">{"".join(items)}</ol>'


def _case(row: dict, old: dict | None, change: str, old_name: str, new_name: str) -> str:
    result = "pass" if row["passed"] else "fail"
    badges = (f'<span class="badge {result}">'
              f'{"as expected" if row["passed"] else "not as expected"}</span>')
    if change != SAME:
        badges += f'<span class="badge {change}">{_e(CHANGE_WORDS[change])}</span>'
    where = " · ".join(_e(x) for x in (row["category"], row.get("article"), row.get("split"),
                                       f"line {row.get('line', '?')}") if x)
    if old is not None and change != SAME:
        old_html, new_html = word_diff(old["answer"].get("answer", ""),
                                       row["answer"].get("answer", ""))
        replies = (f'<div class="grid">{_reply(old["answer"], _upper_first(old_name), old_html)}'
                   f"{_reply(row['answer'], _upper_first(new_name), new_html)}</div>")
    else:
        replies = _reply(row["answer"], "The bot replied")
    notes = "".join(f"<p class=\"meta\">{label}: {_e(row[key])}</p>"
                    for key, label in (("notes", "Notes"), ("owner", "Ask")) if row.get(key))
    return (f'<article class="case {result}" id="case-{_e(row["id"])}" data-id="{_e(row["id"])}" '
            f'data-result="{result}" data-change="{change}" '
            f'data-category="{_e(row["category"])}" data-article="{_e(row.get("article", ""))}" '
            f'data-split="{_e(row.get("split", ""))}">'
            f'<h3>{_e(row["id"])}{badges}</h3><p class="meta">{where}</p>'
            f"<h4>The patient wrote</h4>{_turns(row['turns'])}"
            f"<h4>Expected</h4>{_expected(row)}{replies}{_checks(row)}{notes}</article>")
