"""A turn -> an Answer quoting article sentences verbatim, each with its [n].

The default answerer needs no LLM. Each step is its own module; this one runs them in order:
analyse the question once (question.py) -> retrieve chunks (retrieval.py) -> route to the
article(s) it is about (routing.py) -> score every sentence of those articles with the fitted
ranker (features.py) -> answer or abstain (decision.py) -> pick the sentences to quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from chatbot.answer import ABSTAINED, ANSWERED, Answer, Citation, RetrievedChunk, join_cited
from chatbot.conversation import Turn
from chatbot.decision import Decision, decide, routed_row
from chatbot.features import article_rows, quotable
from chatbot.lexicon import Lexicon
from chatbot.messages import Messages
from chatbot.model import FittedModels
from chatbot.question import Question, analyse
from chatbot.routing import Route, choose, route_features
from chatbot.terms import stem, words
from chatbot.unavailable import TIMEOUT, failure_reason
from chatbot.units import Unit

_CORRECTS = re.compile(r"^(However|But|That said|Even so|Still)\b")


@dataclass(frozen=True)
class Scored:
    """One sentence of a routed article with its ranker probability and features."""

    unit: Unit
    probability: float
    row: dict[str, float]


@dataclass(frozen=True)
class Trace:
    """Everything one answer was decided from (for the fitting script, evals and logs)."""

    question: Question
    retrieved: tuple[RetrievedChunk, ...]
    route_rows: dict[str, dict[str, float]]
    route: Route
    scored: dict[str, list[Scored]]  # article id -> its sentences, in article order
    decision: Decision | None = None
    index: object = None  # the published index version this was read from

    def candidates(self) -> list[Scored]:
        """Sentences that may be quoted (never a sign-post or a question), most likely first."""
        return sorted((s for ss in self.scored.values() for s in ss if quotable(s.row)),
                      key=lambda s: (-s.probability, s.unit.article_id, s.unit.position,
                                     s.unit.index))


class ExtractiveAnswerer:
    def __init__(self, retriever, lexicon: Lexicon, models: FittedModels, messages: Messages,
                 max_sentences: int = 3):
        self.retriever = retriever
        self.lexicon = lexicon
        self.models = models
        self.messages = messages
        self.max_sentences = max_sentences

    def answer(self, turn: Turn) -> Answer:
        try:
            trace = self.trace(turn)
        except Exception as err:  # a re-ingest swapped the index under this request: once more
            if failure_reason(err) == TIMEOUT:  # a frozen server: waiting again helps no one
                raise
            trace = self.trace(turn, index=self.retriever.current(force=True))
        chosen = self.choose(trace) if trace.decision and trace.decision.answer else []
        if not chosen:
            return self._abstain(trace)
        return self._answered(trace, chosen)

    def trace(self, turn: Turn, articles: tuple[str, ...] | None = None,
              index=None) -> Trace:
        """Analyse, retrieve, route and score. `articles` forces the routed articles (the
        fitting script scores every article this way)."""
        index = index or self.retriever.current()
        library = index.library
        question = analyse(turn.question, turn.context, library.speller, self.lexicon)
        evidence = self.retriever.evidence(question.corrected, question.all_alternatives, index)
        in_context = (self.retriever.dense(question.search_text, index) if question.context
                      else evidence.dense)
        route_rows = route_features(
            question, library.names, _by_article(evidence.dense, index),
            _by_article(in_context, index), _by_article(evidence.lexical, index))
        router = self.models.router
        ids = sorted(route_rows)
        probabilities = dict(zip(ids, router.probabilities(
            router.matrix([route_rows[a] for a in ids])).tolist(), strict=True))
        route = choose(probabilities, self.models.threshold("route")) if articles is None \
            else Route(articles, probabilities)
        scored = {aid: self.score_article(question, aid, index) for aid in route.articles
                  if aid in library.articles}
        trace = Trace(question, tuple(r for _, r in evidence.hits), route_rows, route, scored,
                      index=index)
        return replace(trace, decision=self.decide(trace))

    def score_article(self, question: Question, article_id: str, index) -> list[Scored]:
        library = index.library
        article = library.articles[article_id]
        vectors = library.vectors(article_id)
        embed = self.retriever.embeddings.embed_query
        q = np.asarray(embed(question.corrected), dtype=np.float32)
        ctx = np.asarray(embed(_in_context(question, article_id, library)), dtype=np.float32) \
            if question.context else q
        focus = np.asarray(embed(question.focus), dtype=np.float32) \
            if question.focus and question.focus != question.corrected else q
        sims = vectors.sentences @ q
        paragraphs, headings = vectors.paragraphs @ q, vectors.headings @ q
        if question.context:  # a follow-up's paragraph and heading, read in its context too
            paragraphs = np.maximum(paragraphs, vectors.paragraphs @ ctx)
            headings = np.maximum(headings, vectors.headings @ ctx)
        items = np.full(len(sims), -1.0, dtype=np.float32)
        if len(vectors.items):
            np.maximum.at(items, vectors.item_owner, vectors.items @ q)
        rows = article_rows(
            question, list(article.units), list(article.facts), sims,
            vectors.sentences @ ctx, vectors.sentences @ focus, items, paragraphs, headings,
            list(article.paragraph_terms), list(article.heading_terms), library.idf,
            library.average_length, library.profiles[article_id].name_terms)
        ranker = self.models.ranker
        probabilities = ranker.probabilities(ranker.matrix(rows))
        return [Scored(u, float(p), r)
                for u, p, r in zip(article.units, probabilities, rows, strict=True)]

    def decide(self, trace: Trace) -> Decision:
        row = routed_row(trace.question, [(s.probability, s.row) for s in trace.candidates()],
                         tuple(trace.scored), trace.route.probabilities, trace.route_rows,
                         trace.index.library)
        return decide(row, self.models.decision, self.models.threshold("answer"))

    def choose(self, trace: Trace) -> list[Scored]:
        """The best sentence first, then those that add to it (as likely as the fitted share
        of the best; for a list question, the best list), each with the sentence it leans on;
        never a sign-post or a question."""
        candidates = trace.candidates()
        if not candidates:
            return []
        best = candidates[0]
        keep = max(self.models.threshold("keep"),
                   best.probability * self.models.threshold("keep_share"))
        picked = [best] + [s for s in candidates[1:self.max_sentences]
                           if s.probability >= keep]
        # a question asking for a list gets a list: the best one in the best sentence's
        # section, or elsewhere if as likely as the fitted threshold
        lists = [s for s in candidates if s.row["list_match"] and (
            (s.unit.section == best.unit.section and s.unit.article_id == best.unit.article_id)
            or s.probability >= self.models.threshold("list_keep"))]
        if lists and not any(s.row["list_match"] for s in picked):
            picked.append(lists[0])
        result: list[Scored] = []
        for s in picked:
            # what it leans on before it; a "However, ..." that corrects it right after it
            for item in (self._leaned_on(trace, s), s, self._corrected_by(trace, s)):
                if item is not None and all(not _same_text(item, r) for r in result):
                    result.append(item)
        return result[: 2 * self.max_sentences]

    def _leaned_on(self, trace: Trace, s: Scored) -> Scored | None:
        """The sentence before, in the same paragraph, when this one points back to it."""
        if not s.row.get("leans_back") or s.unit.index == 0:
            return None
        for other in trace.scored.get(s.unit.article_id, []):
            if (other.unit.chunk_id == s.unit.chunk_id and other.unit.index == s.unit.index - 1
                    and quotable(other.row)):
                return other
        return None

    def _corrected_by(self, trace: Trace, s: Scored) -> Scored | None:
        """The next sentence of the paragraph when it corrects this one ("You may be concerned
        that... However, all donations are screened"): a worry is never quoted alone."""
        for other in trace.scored.get(s.unit.article_id, []):
            if (other.unit.chunk_id == s.unit.chunk_id and other.unit.index == s.unit.index + 1
                    and _CORRECTS.match(other.unit.text)):
                return other
        return None

    def _answered(self, trace: Trace, chosen: list[Scored]) -> Answer:
        chunks = trace.index.chunks
        citations = tuple(
            Citation(n=n, quote=s.unit.text, section=s.unit.section,
                     source=chunks[s.unit.chunk_id].article_title,
                     chunk_id=s.unit.chunk_id, article_id=s.unit.article_id)
            for n, s in enumerate(chosen, start=1))
        text = join_cited([(c.quote, c.n) for c in citations])
        return Answer(status=ANSWERED, answer=text, disclaimer=self.messages.disclaimer,
                      citations=citations, question=trace.question.search_text,
                      retrieved=trace.retrieved)

    def _abstain(self, trace: Trace) -> Answer:
        reason = trace.decision.reason if trace.decision else "not_in_article"
        return Answer(status=ABSTAINED, answer=self.messages.not_in_article,
                      disclaimer=self.messages.disclaimer, reason=reason or "not_in_article",
                      question=trace.question.search_text, retrieved=trace.retrieved)


def _by_article(ranking: list[tuple[str, float]], index) -> list[tuple[str, float]]:
    return [(index.chunks[cid].article_id, score) for cid, score in ranking
            if cid in index.chunks]


def _in_context(question: Question, article_id: str, library) -> str:
    """A follow-up read with the question before it, less the words that name other
    articles: "how long does IVIG take to work? and prednisone?" asks prednisone's."""
    named = library.names.by_term  # a word naming other articles, not this one, is dropped
    kept = [w for w in question.context.split()
            if not any(named.get(stem(t)) and article_id not in named[stem(t)]
                       for t in words(w))]
    return f"{' '.join(kept)} {question.corrected}".strip()


def _same_text(a: Scored, b: Scored) -> bool:
    return " ".join(a.unit.text.split()) == " ".join(b.unit.text.split())
