"""`make fit`: fit the answerer's router, ranker and answer/abstain decision on the library's
`fit` cases only, and write chatbot/data/fitted.json (never edited by hand).

Reproducible: the same articles and cases give the same file. Holdout cases are never read.
Settings are judged leave-one-article-out: each fit article is predicted by models fitted on
the others, and the thresholds are chosen on those out-of-fold predictions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatbot.answer import ANSWERED
from chatbot.conversation import turn_for
from chatbot.decision import DECISION_FEATURES, routed_row
from chatbot.features import RANKER_FEATURES, quotable
from chatbot.model import DEFAULT_FITTED, FittedModels, LogisticModel
from chatbot.routing import ROUTER_FEATURES, absent_row, choose
from chatbot.safety import SafetyPatterns, screen
from chatbot.settings import Settings
from evals.cases import Case
from evals.library_metrics import NEAR_TOPIC, same_unit

# The false-answer rate the answer threshold is chosen for: the share of questions no article
# answers that may still get an answer (on out-of-fold predictions of the fit split). Lower
# means more answerable questions refused (measured out of fold on the fit split: half at 0.10,
# about a quarter at 0.20). A quote that does not answer ("what dose do children get?" answered
# with the adult dose) can mislead; a refusal sends the patient to their care team but leaves
# them without an answer the library has. 0.20 is the balance chosen.
TARGET_FALSE_ANSWER_RATE = 0.20
REGULARISATION = 1.0  # sklearn's C
GRID = tuple(round(x, 2) for x in np.arange(0.05, 0.96, 0.05))
ROUTE_GRID = (*GRID, 0.97, 0.99)
MAX_SENTENCES = Settings().max_answer_sentences


@dataclass
class CaseData:
    """One fit case, analysed once: router rows for every article, sentence rows for every
    article, and what a decision row needs."""

    case: Case
    answerable: bool
    articles: list[str]
    route_x: np.ndarray  # one row per article
    unit_x: dict[str, np.ndarray]  # article -> one row per sentence
    unit_rows: dict[str, list[dict]]
    unit_labels: np.ndarray  # the gold article's sentences: 1 = a labelled answer
    question: object
    route_rows: dict[str, dict]


def untrained() -> FittedModels:
    def zero(names):
        n = len(names)
        return LogisticModel(tuple(names), np.zeros(n), 0.0, np.zeros(n), np.ones(n))

    return FittedModels(zero(ROUTER_FEATURES), zero(RANKER_FEATURES), zero(DECISION_FEATURES),
                        {"route": 1.0, "answer": 0.5, "keep": 1.0, "keep_share": 1.0,
                         "list_keep": 2.0})


def collect(answerer, cases: list[Case]) -> list[CaseData]:
    """Run every answerable or near-topic case through analysis, retrieval and features."""
    patterns = SafetyPatterns.load()
    library = answerer.retriever.library
    absent = absent_row()
    all_articles = tuple(sorted(library.articles))
    data = []
    for case in cases:
        if case.expected_status != ANSWERED and case.category != NEAR_TOPIC:
            continue
        screening = screen(case.question, patterns, Settings().max_question_chars)
        if screening.stop is not None:
            continue  # never reaches the answerer
        trace = answerer.trace(turn_for(screening.question, case.history), all_articles)
        units = library.articles[case.article].units if case.article in library.articles \
            else ()
        labels = np.array([float(any(same_unit(u.text, lab) for lab in case.answer_sentences))
                           for u in units])
        data.append(CaseData(
            case, case.expected_status == ANSWERED, list(all_articles),
            np.array([[trace.route_rows.get(a, absent)[f] for f in ROUTER_FEATURES]
                      for a in all_articles]),
            {a: np.array([[s.row[f] for f in RANKER_FEATURES] for s in trace.scored[a]])
             for a in all_articles},
            {a: [s.row for s in trace.scored[a]] for a in all_articles},
            labels, trace.question, trace.route_rows))
    return data


def fit_logistic(x: np.ndarray, y: np.ndarray, names: tuple[str, ...],
                 balanced: bool = False) -> LogisticModel:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=REGULARISATION, max_iter=5000,
                               class_weight="balanced" if balanced else None)
    model.fit((x - mean) / scale, y)
    return LogisticModel(names, model.coef_[0].copy(), float(model.intercept_[0]), mean, scale)


def fit_router(data: list[CaseData]) -> LogisticModel:
    rows = [d for d in data if d.answerable]
    x = np.vstack([d.route_x for d in rows])
    y = np.concatenate([[float(a == d.case.article) for a in d.articles] for d in rows])
    return fit_logistic(x, y, ROUTER_FEATURES)


def fit_ranker(data: list[CaseData]) -> LogisticModel:
    """The sentence ranker: weights fitted listwise (which sentence of its article answers
    each question), then scaled into a probability that a sentence is an answer."""
    rows = [d for d in data if d.answerable and d.unit_labels.any()]
    return fit_listwise([d.unit_x[d.case.article] for d in rows],
                        [d.unit_labels for d in rows], RANKER_FEATURES)


def fit_listwise(groups: list[np.ndarray], labels: list[np.ndarray], names: tuple[str, ...]
                 ) -> LogisticModel:
    """A linear score fitted so that, within each group (one question's candidate sentences),
    the softmax of the scores puts its weight on the labelled rows (a conditional logit, L2
    penalty 1/REGULARISATION); then a one-feature logistic regression on the same labels
    turns the score into a probability (Platt scaling), so the model keeps its meaning for
    the decision and the keep thresholds. Deterministic: L-BFGS from zero weights."""
    from scipy.optimize import minimize
    from sklearn.linear_model import LogisticRegression

    x_all = np.vstack(groups)
    mean = x_all.mean(axis=0)
    scale = x_all.std(axis=0)
    scale[scale < 1e-9] = 1.0
    standard = [(x - mean) / scale for x in groups]
    targets = [y / y.sum() for y in labels]
    penalty = 1.0 / REGULARISATION

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * penalty * w @ w, penalty * w
        for x, t in zip(standard, targets, strict=True):
            z = x @ w
            z = z - z.max()
            p = np.exp(z) / np.exp(z).sum()
            total -= float(t @ np.log(p + 1e-12))
            grad = grad + x.T @ (p - t)
        return total, grad

    w = minimize(loss, np.zeros(x_all.shape[1]), jac=True, method="L-BFGS-B").x
    score = np.concatenate([x @ w for x in standard]).reshape(-1, 1)
    platt = LogisticRegression(C=REGULARISATION, max_iter=5000)
    platt.fit(score, np.concatenate(labels))
    return LogisticModel(names, w * float(platt.coef_[0][0]), float(platt.intercept_[0]), mean,
                         scale)


def routed(d: CaseData, router: LogisticModel, threshold: float) -> tuple[list[str], dict]:
    """The articles the runtime would route to (`routing.choose`), and every probability."""
    p = dict(zip(d.articles, router.probabilities(d.route_x).tolist(), strict=True))
    return list(choose(p, threshold).articles), p


def decision_features(d: CaseData, articles: list[str], p_route: dict, ranker: LogisticModel,
                      library) -> dict[str, float]:
    """The row `ExtractiveAnswerer.decide` would build, from this case's stored features."""
    scored = [(float(p), row) for a in articles
              for p, row in zip(ranker.probabilities(d.unit_x[a]), d.unit_rows[a],
                                strict=True)
              if quotable(row)]
    scored.sort(key=lambda pr: -pr[0])  # stable: article, then sentence order, as at run time
    return routed_row(d.question, scored, tuple(articles), p_route, d.route_rows, library)


def out_of_fold(data: list[CaseData], library, route_threshold: float) -> list[dict]:
    """Per case: routed articles, ranker probabilities and decision features, each from
    models fitted without the case's article."""
    results = []
    for article in sorted({d.case.article for d in data}):
        train = [d for d in data if d.case.article != article]
        router, ranker = fit_router(train), fit_ranker(train)
        for d in (d for d in data if d.case.article == article):
            chosen, p_route = routed(d, router, route_threshold)
            results.append({
                "data": d, "routed": chosen, "p_route": p_route,
                "unit_p": {a: ranker.probabilities(d.unit_x[a]) for a in chosen},
                "decision_row": decision_features(d, chosen, p_route, ranker, library)})
    return results


def choose_route_threshold(data: list[CaseData]) -> tuple[float, dict]:
    """The threshold at which out-of-fold routing is most often exactly the right article."""
    scores = {}
    folds = {}
    for article in sorted({d.case.article for d in data}):
        train = [d for d in data if d.case.article != article]
        folds[article] = fit_router(train)
    answerable = [d for d in data if d.answerable]
    for threshold in ROUTE_GRID:
        exact = 0
        for d in answerable:
            chosen, _ = routed(d, folds[d.case.article], threshold)
            exact += chosen == [d.case.article]
        scores[threshold] = exact / len(answerable)
    best = max(ROUTE_GRID, key=lambda t: (scores[t], t))
    return best, {"exact_route_share": round(scores[best], 4)}


def selection_f05(oof: list[dict], keep: float, share: float, list_keep: float) -> float:
    """F0.5 (precision first) of the labelled answer sentences that `choose` would quote, out
    of fold, on answerable cases routed right."""
    tp = fp = fn = 0
    for r in oof:
        d = r["data"]
        if not d.answerable or d.case.article not in r["routed"]:
            continue
        p = r["unit_p"][d.case.article]
        if not len(p):
            continue
        top = p.max()
        kept = (p >= max(keep, top * share)) | (p == top)
        mask = np.zeros(len(p), dtype=bool)
        mask[np.argsort(-p)[:MAX_SENTENCES]] = True
        kept &= mask
        lists = np.array([row["list_match"] > 0 for row in d.unit_rows[d.case.article]])
        if lists.any() and not (kept & lists).any():
            best_list = int(np.argmax(np.where(lists, p, -1.0)))
            kept[best_list] = p[best_list] >= list_keep
        labels = d.unit_labels.astype(bool)
        tp += int((kept & labels).sum())
        fp += int((kept & ~labels).sum())
        fn += int((~kept & labels).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0


def choose_keep(oof: list[dict]) -> tuple[float, float, float, dict]:
    """Thresholds for the sentences quoted beside the best, and for the list a list question
    gets: those with the best F0.5 out of fold."""
    never = 2.0  # a list threshold no probability reaches
    keep, share = max(((k, s) for k in GRID for s in GRID),
                      key=lambda ks: (selection_f05(oof, *ks, never), ks))
    list_keep = max((*GRID, never), key=lambda t: (selection_f05(oof, keep, share, t), t))
    return keep, share, list_keep, {
        "sentence_f05": round(selection_f05(oof, keep, share, list_keep), 4)}


def choose_answer_threshold(oof: list[dict]) -> tuple[LogisticModel, float, dict]:
    """The decision model fitted on out-of-fold features; its threshold the lowest at which,
    leave-one-article-out, at most the target share of unanswerable questions get an answer."""
    by_article: dict[str, list[dict]] = {}
    for r in oof:
        by_article.setdefault(r["data"].case.article, []).append(r)
    probs, truth = [], []
    for article, held in by_article.items():
        train = [r for r in oof if r["data"].case.article != article]
        model = fit_logistic(np.array([[r["decision_row"][f] for f in DECISION_FEATURES]
                                       for r in train]),
                             np.array([float(r["data"].answerable) for r in train]),
                             DECISION_FEATURES)
        probs.extend(model.probabilities(np.array([[r["decision_row"][f]
                                                     for f in DECISION_FEATURES]
                                                    for r in held])).tolist())
        truth.extend(r["data"].answerable for r in held)
    probs_a, truth_a = np.array(probs), np.array(truth, dtype=bool)
    grid = np.round(np.arange(0.05, 0.995, 0.01), 2)
    chosen = grid[-1]
    for t in grid:
        false_answers = ((probs_a >= t) & ~truth_a).sum() / max(1, (~truth_a).sum())
        if false_answers <= TARGET_FALSE_ANSWER_RATE:
            chosen = t
            break
    answered = probs_a >= chosen
    figures = {
        "false_answer_rate": round(float((answered & ~truth_a).sum() / max(1, (~truth_a).sum())),
                                   4),
        "false_refusal_rate": round(float((~answered & truth_a).sum() / max(1, truth_a.sum())),
                                    4),
    }
    final = fit_logistic(np.array([[r["decision_row"][f] for f in DECISION_FEATURES]
                                   for r in oof]),
                         np.array([float(r["data"].answerable) for r in oof]),
                         DECISION_FEATURES)
    return final, float(chosen), figures


def inputs_digest(fit_cases: list[Case]) -> str:
    """What the fitted file depends on besides code: the fit cases, the fit articles, the
    lexicon and the split (so a reader can tell whether it is stale)."""
    import hashlib

    from chatbot.lexicon import DEFAULT_LEXICON
    from evals.library_run import article_files
    from evals.split import DEFAULT_SPLIT

    articles = {c.article for c in fit_cases}
    digest = hashlib.sha256()
    for path in [*(p for p in article_files() if p.stem in articles), DEFAULT_LEXICON,
                 DEFAULT_SPLIT]:
        digest.update(path.read_bytes())
    for case in fit_cases:
        digest.update(repr(case).encode())
    return digest.hexdigest()[:16]


def fit_all(data: list[CaseData], library, fit_cases: list[Case]) -> dict:
    """The router, ranker and decision from the fit cases' `data` (each case's features made
    with an encoder adapter fitted without its article: evals/fit_encoder.py)."""
    route_threshold, route_figures = choose_route_threshold(data)
    oof = out_of_fold(data, library, route_threshold)
    keep, share, list_keep, keep_figures = choose_keep(oof)
    decision, answer_threshold, decision_figures = choose_answer_threshold(oof)
    router, ranker = fit_router(data), fit_ranker(data)
    return {
        "router": router.to_dict(), "ranker": ranker.to_dict(), "decision": decision.to_dict(),
        "thresholds": {"route": route_threshold, "answer": answer_threshold, "keep": keep,
                       "keep_share": share, "list_keep": list_keep},
        "meta": {
            "written_by": "python -m evals fit (make fit); do not edit by hand",
            "fit_articles": sorted({c.article for c in fit_cases}),
            "fit_cases": len(fit_cases), "cases_used": len(data),
            "inputs_sha256": inputs_digest(fit_cases),
            "target_false_answer_rate": TARGET_FALSE_ANSWER_RATE,
            "regularisation_C": REGULARISATION,
            "leave_one_article_out": {**route_figures, **keep_figures, **decision_figures},
        },
    }


def write(fitted: dict, path: Path = DEFAULT_FITTED) -> None:
    path.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
