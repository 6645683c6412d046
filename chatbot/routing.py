"""Which article(s) a question is about: from the names it uses (titles and the aliases editors
give in front matter), from its meaning (dense hits) and words (lexical hits), and for a
follow-up from the conversation before. The features are combined by the fitted router."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from chatbot.question import Question
from chatbot.terms import content_terms, normalise, words

_ALNUM = re.compile(r"[a-z0-9]+")
# How far below the best dense hit an article with no dense hit is taken to be.
_UNSEEN_GAP = 0.5

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
    phrase_words: tuple[str, ...] = ()  # the first word each phrase must match, in order


@dataclass(frozen=True)
class Route:
    """The article(s) to quote from, with each article's probability (for logs and evals)."""

    articles: tuple[str, ...]
    probabilities: dict[str, float]


def profiles(names: dict[str, tuple[str, ...]]) -> dict[str, ArticleProfile]:
    """article id -> its names (title first, then aliases) -> profiles."""
    result = {}
    for article_id, (title, *aliases) in names.items():
        spelled = [words(alias) for alias in aliases if words(alias)]
        phrases = tuple(re.compile(r"(?<![a-z0-9])" + r"[\s-]+".join(map(re.escape, w))
                                   + r"(?![a-z0-9])") for w in spelled)
        terms = frozenset(t for name in (title, *aliases) for t in content_terms(name))
        result[article_id] = ArticleProfile(article_id, title, phrases, terms,
                                            tuple(_ALNUM.match(w[0]).group(0) for w in spelled))
    return result


def name_weights(profiles_: dict[str, ArticleProfile]) -> dict[str, float]:
    """A name term's weight: rare in English and used by few articles' names."""
    spread = Counter(t for p in profiles_.values() for t in p.name_terms)
    return {t: 1.0 / n for t, n in spread.items()}


@dataclass(frozen=True)
class NameIndex:
    """The articles' names, indexed so that a question finds the articles it names without
    reading every article's names (built once per published version)."""

    profiles: dict[str, ArticleProfile]
    spread: dict[str, float]  # name term -> its weight (`name_weights`)
    by_term: dict[str, frozenset[str]]  # name term -> the articles it names
    by_word: dict[str, tuple[tuple[str, re.Pattern], ...]]  # an alias's first word -> phrases

    @classmethod
    def of(cls, profiles_: dict[str, ArticleProfile]) -> NameIndex:
        by_term: dict[str, set[str]] = {}
        by_word: dict[str, list[tuple[str, re.Pattern]]] = {}
        for aid, profile in profiles_.items():
            for term in profile.name_terms:
                by_term.setdefault(term, set()).add(aid)
            for word, phrase in zip(profile.phrase_words, profile.phrases, strict=True):
                by_word.setdefault(word, []).append((aid, phrase))
        return cls(profiles_, name_weights(profiles_),
                   {t: frozenset(a) for t, a in by_term.items()},
                   {w: tuple(p) for w, p in by_word.items()})

    def aliased(self, text: str) -> set[str]:
        """The articles one of whose alias phrases the text uses."""
        plain = normalise(text)
        return {aid for word in set(_ALNUM.findall(plain))
                for aid, phrase in self.by_word.get(word, ()) if phrase.search(plain)}

    def named(self, terms) -> set[str]:
        """The articles whose title or alias words are among the terms."""
        return {aid for t in terms for a in t.alternatives for aid in self.by_term.get(a, ())}


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


def absent_row() -> dict[str, float]:
    """The router features of an article nothing in the question points to (no name, no
    dense or lexical hit): every such article has this row, so none is computed."""
    return {"alias_hit": 0.0, "name_share": 0.0, "name_top": 0.0, "dense_rel": -_UNSEEN_GAP,
            "dense_share": 0.0, "dense_ctx_rel": -_UNSEEN_GAP, "lexical_rel": 0.0,
            "context_alias_hit": 0.0, "context_name_top": 0.0, "inherited": 0.0}


def route_features(question: Question, index: NameIndex, dense: list[tuple[str, float]],
                   dense_context: list[tuple[str, float]], lexical: list[tuple[str, float]]
                   ) -> dict[str, dict[str, float]]:
    """Router features of the articles the question points to: by name, alias, meaning
    (`dense`, and `dense_context` for the question with its context) or words (`lexical`),
    each a list of (article_id, score) hits, best first. Every other article has
    `absent_row()`."""
    profiles_ = index.profiles
    aliased_now = index.aliased(question.text)
    named_now_ids = index.named(question.terms)
    aliased_before = index.aliased(question.context) if question.context else set()
    named_before = index.named(question.context_terms) if question.context else set()
    names = name_scores(question.terms, {a: profiles_[a] for a in named_now_ids}, index.spread)
    best_name = max(names.values(), default=0.0)
    context_names = name_scores(question.context_terms,
                                {a: profiles_[a] for a in named_before}, index.spread)
    best_context = max(context_names.values(), default=0.0)
    named_now = bool(aliased_now) or best_name > 0.2
    top_dense = dense[0][1] if dense else 0.0
    top_context = dense_context[0][1] if dense_context else top_dense
    top_lexical = lexical[0][1] if lexical else 0.0
    head = [aid for aid, _ in dense[:5]]
    candidates = ({a for a, _ in (*dense, *dense_context, *lexical)} | aliased_now
                  | named_now_ids | aliased_before | named_before) & profiles_.keys()
    rows = {}
    for aid in sorted(candidates):
        best = max((s for a, s in dense if a == aid), default=top_dense - _UNSEEN_GAP)
        best_ctx = max((s for a, s in dense_context if a == aid),
                       default=top_context - _UNSEEN_GAP)
        lex = max((s for a, s in lexical if a == aid), default=0.0)
        context_alias = aid in aliased_before
        context_top = bool(question.context) and best_context > 0 and \
            context_names.get(aid, 0.0) == best_context
        name = names.get(aid, 0.0)
        rows[aid] = {
            "alias_hit": float(aid in aliased_now),
            "name_share": name,
            "name_top": float(best_name > 0 and name == best_name),
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

