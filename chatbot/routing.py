"""Which article(s) a question is about: from the names it uses (titles and the aliases editors
give in front matter), from its meaning (dense hits) and words (lexical hits), and for a
follow-up from the conversation before. The features are combined by the fitted router."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from chatbot.question import Question
from chatbot.terms import content_terms, normalise, words

ROUTER_FEATURES = ("alias_hit", "name_share", "name_top", "dense_rel", "dense_share",
                   "dense_ctx_rel", "lexical_rel", "context_alias_hit", "context_name_top",
                   "inherited")


@dataclass(frozen=True)
class ArticleProfile:
    """How questions name one article: its alias phrases and its title/alias terms."""

    article_id: str
    title: str
    phrases: tuple[re.Pattern, ...]
    name_terms: frozenset[str]


@dataclass(frozen=True)
class Route:
    """The article(s) to quote from, with each article's probability (for logs and evals)."""

    articles: tuple[str, ...]
    probabilities: dict[str, float]


def profiles(names: dict[str, tuple[str, ...]]) -> dict[str, ArticleProfile]:
    """article id -> its names (title first, then aliases) -> profiles."""
    result = {}
    for article_id, (title, *aliases) in names.items():
        phrases = tuple(re.compile(r"(?<![a-z0-9])" + r"[\s-]+".join(
            map(re.escape, words(alias))) + r"(?![a-z0-9])") for alias in aliases if words(alias))
        terms = frozenset(t for name in (title, *aliases) for t in content_terms(name))
        result[article_id] = ArticleProfile(article_id, title, phrases, terms)
    return result


def name_weights(profiles_: dict[str, ArticleProfile]) -> dict[str, float]:
    """A name term's weight: rare in English and used by few articles' names."""
    spread = Counter(t for p in profiles_.values() for t in p.name_terms)
    return {t: 1.0 / n for t, n in spread.items()}


def alias_hit(text: str, profile: ArticleProfile) -> bool:
    plain = normalise(text)
    return any(p.search(plain) for p in profile.phrases)


def name_scores(question_terms, profiles_: dict[str, ArticleProfile],
                spread: dict[str, float]) -> dict[str, float]:
    """Share of the question's informative weight that names each article."""
    total = sum(t.weight for t in question_terms) or 1.0
    scores = {}
    for aid, profile in profiles_.items():
        hit = sum(t.weight * spread.get(t.stem, 0.0) for t in question_terms
                  if t.alternatives & profile.name_terms)
        scores[aid] = hit / total
    return scores


def route_features(question: Question, profiles_: dict[str, ArticleProfile],
                   spread: dict[str, float], dense: list[tuple[str, float]],
                   dense_context: list[tuple[str, float]], lexical: list[tuple[str, float]]
                   ) -> dict[str, dict[str, float]]:
    """Router features per article. `dense`, `dense_context` and `lexical` are
    (article_id, score) hits, best first, for the question, the question with its context,
    and the words."""
    names = name_scores(question.terms, profiles_, spread)
    best_name = max(names.values(), default=0.0)
    context_names = (name_scores(question.context_terms, profiles_, spread)
                     if question.context else {})
    best_context = max(context_names.values(), default=0.0)
    named_now = any(alias_hit(question.text, p) for p in profiles_.values()) or best_name > 0.2
    top_dense = dense[0][1] if dense else 0.0
    top_context = dense_context[0][1] if dense_context else top_dense
    top_lexical = lexical[0][1] if lexical else 0.0
    head = [aid for aid, _ in dense[:5]]
    rows = {}
    for aid, profile in profiles_.items():
        best = max((s for a, s in dense if a == aid), default=top_dense - 0.5)
        best_ctx = max((s for a, s in dense_context if a == aid), default=top_context - 0.5)
        lex = max((s for a, s in lexical if a == aid), default=0.0)
        context_alias = bool(question.context) and alias_hit(question.context, profile)
        context_top = bool(question.context) and best_context > 0 and \
            context_names.get(aid, 0.0) == best_context
        rows[aid] = {
            "alias_hit": float(alias_hit(question.text, profile)),
            "name_share": names[aid],
            "name_top": float(best_name > 0 and names[aid] == best_name),
            "dense_rel": best - top_dense,
            "dense_share": head.count(aid) / max(1, len(head)),
            "dense_ctx_rel": best_ctx - top_context,
            "lexical_rel": lex / top_lexical if top_lexical > 0 else 0.0,
            "context_alias_hit": float(context_alias),
            "context_name_top": float(context_top),
            # a follow-up that names no article stays with the one the conversation was about
            "inherited": float((context_alias or context_top) and not named_now),
        }
    return rows


def choose(probabilities: dict[str, float], threshold: float, max_articles: int = 3) -> Route:
    """The most probable article, and any other as probable as the threshold."""
    ranked = sorted(probabilities.items(), key=lambda kv: (-kv[1], kv[0]))
    chosen = [aid for i, (aid, p) in enumerate(ranked[:max_articles])
              if i == 0 or p >= threshold]
    return Route(tuple(chosen), {a: round(p, 4) for a, p in ranked[:max_articles]})

