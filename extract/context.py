"""Sentence context: training vs inference, stage, own work vs cited baselines, model names."""

from __future__ import annotations

import re

INFERENCE = re.compile(
    r"\b(inference|latency|throughput|test[- ]time|at test|testing time|per image|images?/s"
    r"|im/s|fps|frames per second|decoding|real[- ]time|benchmark(?:ed)?|evaluation time"
    r"|speed[- ]?up|wall[- ]clock time per|per-token|evaluat\w*"
    r"|process(?:es|ing)? (?:one|an|each|a single) image|forwards? pass"
    r"|\d\s?ms|milliseconds?|memory (?:is |was )?measured|\d\s?fps|frame rate|timing"
    r"|/\s?image|img/s(?:ec)?)\b",
    re.IGNORECASE,
)
TRAINING = re.compile(
    r"\b(train(?!val)\w*|pre-?train\w*|fine-?tun\w*|took|takes?|taking|converge\w*|learn(?:ed|ing)?"
    r"|optimi[sz]\w*|epochs?|iterations|steps|paralleli[sz]\w*)\b",
    re.IGNORECASE,
)
PRETRAIN = re.compile(r"\bpre-?train\w*", re.IGNORECASE)
FINETUNE = re.compile(r"\bfine-?tun\w*", re.IGNORECASE)
OWN_WORK = re.compile(r"\b(we|our|ours)\b", re.IGNORECASE)
CITATION = re.compile(
    r"\[\d+(?:[,\s–-]+\d+)*\]|\(\w[\w\s.&]*,? (?:19|20)\d\d[a-z]?\)|^\s*(?:19|20)\d\d[a-z]?\)"
    r"|\bet al\b"
)

_MODEL = re.compile(
    r"(?<![\w-])("
    r"[A-Z][A-Za-z]*\d*(?:[-‐/][A-Za-z0-9.]+)+(?:\s?\((?:[^()]{1,20})\))?"  # ResNet-50, BERT-Large
    r"|[A-Z][a-z]+[A-Z][A-Za-z]*(?:-?\d+[A-Za-z]*)?"  # ResNeXt, EfficientNet, AmoebaNet
    r"|[A-Z]{2,}[a-z]?\d*(?:-[A-Za-z0-9]+)*"  # BERT, GPT-3, XLNet-like acronyms
    r")(?![\w-])"
)
_NOT_MODELS = {
    "GPU", "GPUS", "GPUs", "TPU", "TPUs", "CPU", "CPUs", "NVIDIA", "Nvidia", "ImageNet", "COCO",
    "SQuAD", "BLEU", "FLOPs", "GFLOPs", "FLOPS", "MACs", "Table", "Figure", "Fig", "Sec",
    "Section", "WMT", "MS-COCO", "ILSVRC", "CoNLL", "DGX-1", "DGX-2", "TensorFlow", "PyTorch",
    "SGD", "Adam", "AdamW", "ReLU", "BN", "Eq", "API", "CUDA", "RAM", "GB", "ImageNet-1K",
    "ImageNet-1k", "ImageNet-21k", "ImageNet-22k", "JFT-300M", "We", "In", "The", "Our", "AP",
    "EM", "F1", "NER", "NLP", "LM", "OOM", "HBM", "Top-1", "Top-5", "PASCAL", "VOC", "CIFAR-10",
    "CIFAR-100", "SOTA", "ILSVRC-2012", "MNIST", "GTX", "RTX", "Tesla", "Titan", "TITAN",
    "Quadro", "GeForce", "Cloud", "Google", "TPUv2", "TPUv3", "TPUv4",
}  # fmt: skip


def _names_hardware(name: str) -> bool:
    from extract.hardware import resolve_hardware

    match = resolve_hardware(name)
    return match is not None and (not match.generic or len(match.alias) >= len(name) - 1)


def stage_of(sentence: str) -> str:
    if FINETUNE.search(sentence):
        return "finetune"
    if PRETRAIN.search(sentence):
        return "pretrain"
    return "train"


# Words only a training setup uses: an optimizer or a batch makes "per mini-batch" a training rate.
STRONG_TRAINING = re.compile(
    r"\b(train(?!val)\w*|pre-?train\w*|fine-?tun\w*|converge\w*|SGD|optimizer|batch size|mini-?batch)\b",
    re.I,
)
# Counterfactual or assumed: "would take 140 days", "we assume training required 34 days".
HYPOTHETICAL = re.compile(
    r"\b(would|might|assum\w+|hypothetical\w*|suppose)\b|^\W*(?:for example,?\s*)?if\b|\bif we\b",
    re.I,
)
# Possible, able or future only: "can be trained in 2 days", "could be trained", "will take".
TENTATIVE = re.compile(r"\b(can|could|will|may)\b", re.I)
NEGATED = re.compile(r"\b(cannot|can't|can not|unable to|not possible)\b", re.I)
# A budget given to each candidate of a search ("a fixed training budget of 24 TPUv2 hours"), or a
# range of budgets, is not the time a run took.
# "N hours as a proxy for a full day's training" is a stand-in measure, not a run either.
BUDGET = re.compile(r"\b(budgets?|prox(?:y|ies))\b", re.I)
# A figure caption (with the plot's axis numbers read before it) describes a plotted sweep.
CAPTION = re.compile(r"\b(?:Figure|Fig\.)\s*\d+\s*[:.]")


MEASURING = re.compile(
    r"\b(measur\w*|benchmark\w*|report\w*)\s+(the\s+)?(speed|time|throughput|latency|timing)"
    r"|\btiming\b|\bspeed (on|of)\b|\bfps\b|\d\s?fps\b|\bimages?/s"
    r"|\bsingle (forward|backward)?\s*pass|\bpass(es)? forwards? and backwards?"
    r"|\bforwards? and backwards? pass|\blatenc(?:y|ies)\b|\bmeasured (?:on|with|using)\b"
    r"|\bspeed-?up of\b"
    r"|\bachiev\w* (?:a |an )?(?:\w+ )?throughput\b|\bthroughput of\b",
    re.IGNORECASE,
)


def is_inference(sentence: str) -> bool:
    """An inference/latency statement: a speed measurement, or an inference cue with no
    explicit training word ("takes" is not one)."""
    if MEASURING.search(sentence):
        return True
    return bool(INFERENCE.search(sentence)) and not STRONG_TRAINING.search(
        INFERENCE.sub(" ", sentence)
    )


def has_training_cue(sentence: str) -> bool:
    return bool(TRAINING.search(sentence))


def model_mentions(text: str) -> list[tuple[int, int, str]]:
    """Model-name-like mentions (start, end, name) in a sentence, hardware and datasets excluded."""
    found = []
    for match in _MODEL.finditer(text):
        name = match.group(1).strip()
        base = re.sub(r"\s?\(.*\)$", "", name)
        if base in _NOT_MODELS or base.upper() in _NOT_MODELS or len(base) < 2:
            continue
        if re.fullmatch(r"[A-Z]?\d+[A-Za-z]?|[A-Z]{1,2}\d{2,4}[a-z]?|[IVX]+", base):
            continue  # "V100", "K40", roman numerals
        if _names_hardware(base):
            continue
        found.append((match.start(1), match.end(1), name))
    return found


def nearest_model(text: str, position: int) -> str | None:
    """The model mention closest before ``position`` in ``text``, else the first after it."""
    mentions = model_mentions(text)
    before = [m for m in mentions if m[1] <= position]
    if before:
        return before[-1][2]
    after = [m for m in mentions if m[0] >= position]
    return after[0][2] if after else None


OTHERS_WORK = re.compile(
    r"\b(previous(ly)?|prior work|state[- ]of[- ](?:the[- ])?art|et al\.?|reported|unrealistic"
    r"|in contrast|whereas|their|they|its|who)\b",
    re.IGNORECASE,
)


# Where one clause of a sentence ends: "implemented in TensorFlow [1] and trained on 60 GPUs" cites
# the framework, not the run; "... the Net-B.As a comparison" is two sentences glued by the PDF.
_CLAUSE_BREAK = re.compile(r";\s|\s(?:and|while|whilst|whereas|but)\s|\.(?=[A-Z][a-z])")


def clause_at(sentence: str, at: int | None) -> str:
    """The clause of ``sentence`` holding character ``at`` (the whole sentence when None)."""
    if at is None:
        return sentence
    start, end = 0, len(sentence)
    for match in _CLAUSE_BREAK.finditer(sentence):
        if match.end() <= at:
            start = match.end()
        elif match.start() >= at:
            end = match.start()
            break
    return sentence[start:end]


COUNTERFACTUAL_PENALTY = 0.35  # more than any cue adds: no counterfactual run clears the cut


def confidence(base: float, sentence: str, at: int | None = None) -> float:
    """Rule base confidence adjusted by the sentence: training cue and 'we/our' up; citations
    (in the clause at ``at``) and talk of others' work down; counterfactuals, negations,
    search budgets and figure captions further down (a stated time that no run took)."""
    score = base
    own = bool(OWN_WORK.search(sentence))
    if has_training_cue(sentence):
        score += 0.1
    if own:
        score += 0.05
    if CITATION.search(clause_at(sentence, at)) and not own:
        score -= 0.3
    elif not own and (others := {m.group(0).lower() for m in OTHERS_WORK.finditer(sentence)}):
        # each further cue of others' work ("its models ... unrealistic") is more evidence
        score -= 0.15 + 0.05 * min(len(others) - 1, 2)
    if HYPOTHETICAL.search(sentence) or NEGATED.search(sentence):
        score -= COUNTERFACTUAL_PENALTY
    elif TENTATIVE.search(sentence):
        score -= 0.1
    if BUDGET.search(sentence) or CAPTION.search(sentence):
        score -= 0.2
    return round(min(max(score, 0.05), 0.99), 3)


def own_model_names(title: str | None, first_page: str) -> set[str]:
    """Lower-case names the paper introduces: the first word of each model-like name in its
    title and abstract, every part of those in the title ("Grid-Mixer": "grid", "mixer"), and
    the title's word pairs ("quick r-cnn", "random depth") for rows named by two words."""
    names = set()
    for _, _, name in model_mentions(f"{title or ''} {first_page[:2000]}"):
        base = re.split(r"[-\s(/]", name)[0].lower()
        if len(base) >= 3:
            names.add(base)
    for _, _, name in model_mentions(title or ""):
        names.update(p for p in re.split(r"[-\s(/:]", name.lower()) if len(p) >= 3 and p.isalpha())
    words = re.findall(r"[\w-]+", (title or "").lower())
    names.update(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    return names


def is_own_model(model: str | None, own_names: set[str]) -> bool:
    """A table row about the paper's own model: marked "ours", or named like the paper's model."""
    if not model:
        return False
    lower = model.lower()
    if re.search(r"\bours?\b", lower):
        return True
    base = re.split(r"[-\s(/]", lower)[0]
    return base in own_names or " ".join(lower.split()[:2]) in own_names
