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
# "... on a single node for the DeiT-B.As a comparison, ...": PDF text glues two sentences; the
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


@lru_cache(maxsize=1)
def build_nlp() -> Language:
    """The rule pipeline (cached per process)."""
    nlp = spacy.blank("en")
    infixes = [*nlp.Defaults.infixes, _GLUED_SENTENCE_END]
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("paperflops_hardware_tagger")
    ruler = nlp.add_pipe(
        "span_ruler", config={"spans_key": SPANS_KEY, "validate": True, "overwrite": False}
    )
    ruler.add_patterns(  # type: ignore[attr-defined]
        [{"label": r["label"], "pattern": r["pattern"], "id": r["id"]} for r in load_rules()]
    )
    nlp.max_length = 5_000_000
    return nlp
