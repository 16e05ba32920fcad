"""The spaCy pipeline: blank English, a sentencizer, a hardware tagger and the rule span_ruler.

No trained model is needed (none can be downloaded here): every decision is a rule.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

from extract.hardware import alias_regex
from extract.rules_loader import load_rules

SPANS_KEY = "rules"
# "... on a single node for the Net-B.As a comparison, ...": PDF text glues two sentences; the
# full stop becomes its own token so the sentencizer splits there.
_GLUED_SENTENCE_END = r"(?<=[A-Za-z0-9])\.(?=[A-Z][a-z]+\b)"

if not Token.has_extension("hw"):
    Token.set_extension("hw", default=False)


@Language.component("paperflops_hardware_tagger")
def hardware_tagger(doc: Doc) -> Doc:
    """Mark tokens inside a catalog alias ("Tesla V100", "TPUv3") with ``token._.hw``."""
    for match in alias_regex().finditer(doc.text):
        span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if span is not None and not any(t.like_url or "/" in t.text for t in span):
            for token in span:
                token._.hw = True
    return doc


# Abbreviations whose full stop ends no sentence when lower-case words, numbers or a citation
# follow: "Smith et al. [12] trained ...", "see Fig. 3", "Eq. 2", "compared vs. 8 GPUs".
_ABBREVIATIONS = frozenset(
    {"al", "fig", "figs", "eq", "eqs", "sec", "secs", "tab", "no", "vs", "cf", "approx", "ref",
     "refs", "resp", "e.g", "i.e", "appx", "app"}
)  # fmt: skip
_BRACKETS = frozenset("[(")


def _after_abbreviation(doc: Doc, i: int) -> bool:
    j = i - 1
    while j >= 0 and doc[j].text in _BRACKETS:
        j -= 1
    if j < 0:
        return False
    word = doc[j - 1].lower_ if doc[j].text == "." and j > 0 else doc[j].lower_.rstrip(".")
    return word in _ABBREVIATIONS and (doc[j].text == "." or doc[j].text.endswith("."))


@Language.component("paperflops_abbreviations")
def keep_abbreviations(doc: Doc) -> Doc:
    """Undo sentence breaks the sentencizer puts after "et al.", "Fig." and the like, unless a
    capitalised word follows (a new sentence after all): a citation stays in its clause."""
    for i, token in enumerate(doc):
        if i and token.is_sent_start and not token.text[:1].isupper() and _after_abbreviation(doc, i):
            token.is_sent_start = False
    return doc


@lru_cache(maxsize=1)
def build_nlp() -> Language:
    """The rule pipeline (cached per process)."""
    nlp = spacy.blank("en")
    infixes = [*nlp.Defaults.infixes, _GLUED_SENTENCE_END]
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("paperflops_abbreviations")
    nlp.add_pipe("paperflops_hardware_tagger")
    ruler = nlp.add_pipe(
        "span_ruler", config={"spans_key": SPANS_KEY, "validate": True, "overwrite": False}
    )
    ruler.add_patterns(  # type: ignore[attr-defined]
        [{"label": r["label"], "pattern": r["pattern"], "id": r["id"]} for r in load_rules()]
    )
    nlp.max_length = 5_000_000
    return nlp
