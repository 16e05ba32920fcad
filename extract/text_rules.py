"""Text rules over sentences -> training runs, parameter counts and FLOPs with evidence.

The span_ruler (patterns in ``extract/rules/*.jsonl``) finds the mentions; the functions
here read numbers and units out of each span and judge the sentence around it (training or
inference, stage, own model or cited baseline).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extract import context, sections
from extract.benchmarks import benchmark_mentions
from extract.sections import Ranges
from extract.text_results import result_from_span
from extract.training import MIN_CONFIDENCE, has_time
from extract.hardware import chips_from_count, resolve_hardware
from extract.nlp import SPANS_KEY, build_nlp
from extract.units import (
    WORD_NUMBERS,
    duration_hours,
    flops_unit_scale,
    parse_number,
    parse_scaled,
    significant,
)
from schema import quantities as q
from schema.records import Evidence, Page, ResultCandidate, SizeCandidate, TrainingCandidate

SNIPPET_CHARS = 300
RULE_BASE_CONFIDENCE = {
    "hardware.count_named.v1": 0.75,
    "hardware.single_named.v1": 0.65,
    "hardware.count_generic.v1": 0.6,
    "hardware.single_generic.v1": 0.5,
    "hardware.named_bare.v1": 0.5,
}
GENERIC_PENALTY = 0.1
CPU_PENALTY = 0.2  # a time measured on CPU cores alone is rarely a deep-learning training run
_HELPER_KEYS = ("rule", "doubt", "at", "local_doubt", "timed")
_HARDWARE_FIELDS = ("hardware", "hardware_raw", "hardware_count", "count_unit", "chips")  # "8 GPUs" is weaker evidence of a run than "8 V100 GPUs"
_UNIT_WORDS = {"core": "core", "chip": "chip", "board": "board", "pod": "pod", "node": "machine",
               "machine": "machine", "server": "machine", "host": "machine", "tpu": "chip",
               "gpu": "chip", "device": "device", "accelerator": "device"}  # fmt: skip
# TensorFlow and JAX expose each TensorCore of a TPU v2/v3 chip as one device ("2048 TPU v3
# devices" or "accelerators" are 2048 cores); a v4 chip (megacore) and a GPU are one device each.
_CORE_DEVICES = {"tpu-v2", "tpu-v3"}
_MACHINE_RULE = "hardware.count_machines.v1"  # "2 nodes": machines of unnamed GPUs


@dataclass(slots=True)
class _Sentence:
    page: Page
    span: Span
    spans: dict[str, list[Span]]


def _evidence(page: Page, sent: Span, rule_id: str) -> Evidence:
    # Blanked neighbours (quiet sentences, tables) become leading/trailing spaces of a spaCy
    # sentence: the evidence span covers the words only, never the text blanked out.
    start = sent.start_char + len(sent.text) - len(sent.text.lstrip())
    end = max(start, sent.end_char - (len(sent.text) - len(sent.text.rstrip())))
    snippet = re.sub(r"\s+", " ", sent.text).strip()
    if len(snippet) > SNIPPET_CHARS:
        snippet = snippet[: SNIPPET_CHARS - 1] + "…"
    return Evidence(
        page=page.number,
        snippet=snippet,
        rule_id=rule_id,
        char_start=start,
        char_end=end,
        box=page.box_for_span(start, end),
    )


def _sentences(pages: list[Page], skip: Ranges) -> Iterator[_Sentence]:
    """Sentences with rule spans; skipped ranges are blanked (offsets kept), so a sentence
    that a table interrupts in reading order reads on across it."""
    nlp = build_nlp()
    texts = (
        _quiet_sentences(sections.blank(page.text, skip.get(page.number, ())).replace("\n", " "))
        for page in pages
    )
    for page, doc in zip(pages, nlp.pipe(texts, batch_size=8), strict=True):
        yield from _group(page, doc)


# A sentence no rule can match: no digit, no number word, no "single"/"week"-like word.
_ROUGH_SENTENCE = re.compile(r"[^.!?]*(?:[.!?]+(?=\s)|$)")
_MAY_MATCH = re.compile(
    r"\d|\b(" + "|".join(sorted(w for w in WORD_NUMBERS if len(w) > 2)) + r"|an? (hour|day|week|month))\b",
    re.IGNORECASE,
)


def _quiet_sentences(text: str) -> str:
    """Blank (same length) the rough sentences that hold nothing a rule could match: the
    span ruler then skips most prose, which is two thirds of extraction time."""
    parts = []
    for match in _ROUGH_SENTENCE.finditer(text):
        chunk = match.group(0)
        parts.append(chunk if _MAY_MATCH.search(chunk) else " " * len(chunk))
    out = "".join(parts)
    return out if len(out) == len(text) else text


def _is_debris(sent: Span) -> bool:
    """Figure axis labels, tables of contents and other number runs read as a 'sentence'."""
    words = [t for t in sent if not t.is_punct and not t.is_space]
    numeric = sum(1 for t in words if t.like_num)
    return len(words) >= 8 and numeric > 0.35 * len(words)


def _group(page: Page, doc: Doc) -> Iterator[_Sentence]:
    by_sentence: dict[int, dict[str, list[Span]]] = {}
    for label in {s.label_ for s in doc.spans[SPANS_KEY]}:
        spans = filter_spans([s for s in doc.spans[SPANS_KEY] if s.label_ == label])
        for span in spans:
            by_sentence.setdefault(span.sent.start, {}).setdefault(label, []).append(span)
    for sent in doc.sents:
        if sent.start in by_sentence and not _is_debris(sent):
            yield _Sentence(page, sent, by_sentence[sent.start])


_MEMORY_UNITS = {"gb", "g", "gib", "mb", "tb"}


def _leading_count(tokens: list) -> float | None:  # type: ignore[type-arg]
    first = tokens[0].text
    if len(tokens) > 1 and tokens[1].lower_ in _MEMORY_UNITS:
        return None  # "32GB V100 GPUs": memory, not a count
    glued = re.match(r"^(\d+)[x×]", first)
    if glued:
        return float(glued.group(1))
    if first.lower() in ("a", "an", "one", "single"):
        return 1.0
    return parse_number(first) if tokens[0].like_num else None


def _stated_unit(tokens: list) -> str | None:  # type: ignore[type-arg]
    for token in reversed(tokens):
        word = token.lower_.rstrip("s")
        if word in _UNIT_WORDS and not token._.hw:
            return _UNIT_WORDS[word]
    return None


def read_hardware(span: Span, year: int | None) -> dict | None:
    """Slug, count as stated, unit and chips from one hardware span."""
    tokens = list(span)
    rule = span.id_
    if rule == _MACHINE_RULE:
        count = _leading_count(tokens[1:])  # after "with", "on", "using", "across"
        return {"hardware": "gpu-unspecified", "hardware_raw": span.text, "hardware_count": count,
                "count_unit": "machine", "chips": None} if count else None  # fmt: skip
    hw_text = "".join(t.text_with_ws for t in tokens if t._.hw).strip() or span.text
    match = resolve_hardware(re.sub(r"^\d+[x×]", "", hw_text), year)
    if match is None:
        return None
    count, unit = _leading_count(tokens), _stated_unit(tokens)
    if match.start > 0:
        count = None  # "6 h·GTX 1080": the number belongs to what is glued before the name
    if unit == "device":
        unit = "core" if match.slug in _CORE_DEVICES else "chip"
    if rule == "hardware.count_gpu_machine.v1":
        unit = "chip"
        before = span.doc[span.start - 1] if span.start else None
        if before is not None and (before.like_num or before.lower_ in WORD_NUMBERS):
            count = (parse_number(before.text) or 1) * (count or 1)  # "two 8-GPU machines"
    elif rule == "hardware.named_with_count.v1":
        count, unit = parse_number(tokens[-2].text), unit or "chip"
    elif rule == "hardware.tpu_slice.v1":
        count, unit = parse_number(tokens[-1].text), "core"
    per_unit = None
    if count is None and match.chips_per_unit and match.count_unit_hint in ("board", "pod"):
        count, unit, per_unit = 1.0, match.count_unit_hint, match.chips_per_unit
    elif unit is None or unit == match.count_unit_hint:
        unit, per_unit = match.count_unit_hint or unit, match.chips_per_unit
    if count is not None and count <= 0:
        return None
    unit = unit or "chip"
    chips = chips_from_count(match.slug, count, unit, per_unit) if count is not None else None
    return {"hardware": match.slug, "hardware_raw": span.text, "hardware_count": count,
            "count_unit": unit, "chips": chips}  # fmt: skip


def read_duration(span: Span) -> dict | None:
    """Hours (or device-hours), with the range kept, from one duration span."""
    tokens = [t for t in span if t.lower_ not in context_words]
    rule = span.id_
    if rule == "duration.compact_hm.v1":
        hours = float(tokens[0].text[:-1])
        if len(tokens) > 1:
            hours += float(re.sub(r"[a-z]+$", "", tokens[1].text)) / 60
        return {"duration_hours": hours, "duration_raw": span.text}
    numbers = [parse_number(t.text) for t in tokens if t.like_num or t.lower_ in WORD_NUMBERS]
    numbers = [n for n in numbers if n is not None]
    if not numbers and tokens and tokens[0].text[:1] in "~∼≈":
        numbers = [parse_number(tokens[0].text) or 0.0]
    unit = _time_unit(tokens)
    factor = duration_hours(1.0, unit) if unit != "year" else 8760.0
    if not numbers or factor is None:
        return None
    values = [n * factor for n in numbers]
    out: dict = {"duration_raw": span.text}
    if len(values) >= 2 and values[0] < values[-1]:
        out.update(duration_lo_hours=values[0], duration_hi_hours=values[-1])
        mid = (values[0] + values[-1]) / 2
    else:
        mid = values[-1]
    key = "device_hours" if rule.startswith("duration.device_time") else "duration_hours"
    out[key] = mid
    return out if mid > 0 else None


def _time_unit(tokens: list) -> str:  # type: ignore[type-arg]
    """The span's time word ("days" in "640.5 days of TPUv3 compute"), years as "year"."""
    for token in reversed(tokens):
        word = token.lower_.rsplit("-", 1)[-1]
        if word in ("year", "years"):
            return "year"
        if duration_hours(1.0, word) is not None and not token.like_num:
            return word
    return tokens[-1].lower_


context_words = {"~", "∼", "≈", "about", "around", "approximately", "roughly", "nearly",
                 "almost", "over", "under", "only", "just", "between", "-", "–", "—", "to",
                 "or", "and"}  # fmt: skip


def _per_unit_follows(span: Span) -> bool:
    """'0.95s per mini-batch', '3 hours per epoch', '1 hour each epoch': a rate, not a training
    time ('3 days each' is per experiment, a run's time)."""
    nxt = [t.lower_ for t in span.doc[span.end : span.end + 3]]
    if nxt[:1] in (["per"], ["/"]):
        return True
    return len(nxt) >= 2 and nxt[0] in ("each", "every") and nxt[1].rstrip("s") in _STEP_WORDS


_STEP_WORDS = {"epoch", "iteration", "step", "batch", "mini-batch", "minibatch", "mini", "update",
               "image", "sample", "example", "token", "round", "generation"}  # fmt: skip


# A number that only compares: "from 70 hours to 8.5", "8.5 vs. 21 hours", "faster than 3 days".
_REFERENCE_BEFORE = re.compile(
    r"\b(?:vs\.?|versus|than|compared (?:to|with)|relative to|as opposed to|instead of)\s*\(?\s*$"
    r"|\bfrom\s*$",
    re.I,
)


def _is_reference(span: Span) -> bool:
    """A duration that is the other side of a comparison, not the run the sentence reports."""
    before = span.doc.text[max(0, span.start_char - 30) : span.start_char]
    match = _REFERENCE_BEFORE.search(before)
    if match is None:
        return False
    if match.group(0).lower().startswith("from"):
        after = span.doc.text[span.end_char : span.end_char + 12]
        return bool(re.match(r"\s*(?:to|down to)\b", after))
    return True


def _is_device_time(span: Span) -> bool:
    """'300 GPU days' names device-time, not 300 GPUs."""
    nxt = span.doc[span.end : span.end + 2]
    return any(t.lower_.strip("-") in _TIME_WORDS for t in nxt)


_TIME_WORDS = {"days", "day", "hours", "hour", "years", "year", "weeks", "months", "hrs",
               "core-years", "core-days", "core-hours"}  # fmt: skip


_PER_STEP = re.compile(r"\b(each|per|one|an|every|single)\s+(epoch|iteration|step|mini-?batch)\b", re.I)
_PER_DEVICE = re.compile(r"(/|per|each|every)\s*(gpu|tpu|device|core|chip|worker)\b", re.I)


# Words right before a count that make it something other than the run's hardware: part of a
# larger set ("the remaining 4 GPUs"), an explanation ("K80s, which are essentially two K40s"),
# a capacity ("the model fits on a single TPUv3 core"), the end of a sweep ("from 64 to 400 GPUs").
_LOCAL_DOUBTS = (
    ("subset", re.compile(r"\b(?:remaining|other|rest of(?: the)?|each of the|one of the)\s*$", re.I)),
    ("explanation", re.compile(r"\b(?:essentially|equivalent to|i\.e\.,?|amounts? to)\s*$", re.I)),
    ("sweep", re.compile(r"\bfrom\s+\d[\d,]*\s*(?:to|-|–)\s*$", re.I)),
    ("capacity", re.compile(r"\bfit(?:s|ting)?\b[^.]{0,25}\b(?:on|in|into|within)\s*$", re.I)),
)
_GPU_CONTEXT = re.compile(r"\b(?:GPU|TPU|accelerator)", re.I)


def _local_doubt(before: str) -> str | None:
    """Why the words right before a hardware mention make it no run's hardware, else None."""
    for reason, pattern in _LOCAL_DOUBTS:
        if pattern.search(before):
            return reason
    return None


def _hardware_doubt(hw: dict, text: str) -> str | None:
    """Why a hardware mention cannot describe a training run, or None when it can.

    Uncounted generic words ("the GPU", "GPUs") never do ("generic_uncounted": dropped); a CPU
    only when the sentence trains on it; "a single GPU" / "32 images per GPU" only with a
    training cue and no per-device rate (those are kept as rejected candidates with the reason).
    """
    slug, rule = hw["hardware"], hw["rule"]
    if hw["hardware_count"] is None and (slug.endswith("-unspecified") or slug == "cpu"):
        return "generic_uncounted"
    if hw.get("local_doubt"):
        return hw["local_doubt"]
    if rule == _MACHINE_RULE and not (hw.get("timed") or _GPU_CONTEXT.search(text)):
        return "no_training_context"  # "a graph with 2 nodes"
    if slug == "cpu" and not re.search(r"\btrain\w*\b[^.]{0,60}\bCPUs?\b", text, re.I):
        return "cpu_not_training"
    if rule.startswith("hardware.single_") and not context.has_training_cue(text):
        return "no_training_context"
    generic = slug.endswith("-unspecified")
    if generic and not context.has_training_cue(text) and not context.OWN_WORK.search(text):
        return "no_training_context"  # "the remaining 4 GPUs were used to ..."
    if _PER_DEVICE.search(text) and hw["hardware_count"] in (None, 1.0):
        return "per_device_rate"
    return None


def _inside(span: Span, outer: Span) -> bool:
    """'6,120 days of TPUv3 usage': the hardware names the device-time, not a run's hardware."""
    return outer.start <= span.start and span.end <= outer.end


def _per_step_near(span: Span) -> bool:
    """'each epoch takes half a day': a duration right after a per-step phrase is a rate
    ('2.3s per mini-batch and 12 days total' goes on to the total)."""
    doc = span.doc
    window = doc.text[max(0, span.start_char - 45) : span.start_char]
    steps = list(_PER_STEP.finditer(window))
    if not steps:
        return False
    return not _TOTAL.search(window[steps[-1].end() :] + doc.text[span.end_char : span.end_char + 12])


_TOTAL = re.compile(r"\b(?:and|total|overall|in all)\b", re.I)


def _training_from_sentence(sent: _Sentence, year: int | None) -> list[TrainingCandidate]:
    text = sent.span.text
    dur_spans = [s for s in sent.spans.get(q.DURATION, [])
                 if not _per_unit_follows(s) and not _is_reference(s)]  # fmt: skip
    hw_spans = [s for s in sent.spans.get(q.HARDWARE, [])
                if not _is_device_time(s) and not any(_inside(s, d) for d in dur_spans)]  # fmt: skip
    if not hw_spans and not dur_spans:
        return []
    hardware = [h | _located(sent, s) | {"timed": bool(dur_spans)}
                for s in hw_spans if (h := read_hardware(s, year))]  # fmt: skip
    hardware = [h | {"doubt": _hardware_doubt(h, text)} for h in _merge_generic_and_named(hardware)]
    hardware = [h for h in _drop_machines_beside_chips(hardware) if h["doubt"] != "generic_uncounted"]
    durations = [(d | _located(sent, s), s) for s in dur_spans if (d := read_duration(s))]
    if not hardware and not durations:
        return []
    rejected = context.is_inference(text)
    durations = [d for d, span in durations if not _per_step_near(span)]
    device_time = all("device_hours" in d for d in durations)
    if durations and not hardware and not _describes_training(text, device_time):
        rejected = True
    return _with_epochs(_pair(sent, hardware, durations, rejected), sent)


def _drop_machines_beside_chips(hardware: list[dict]) -> list[dict]:
    """'8 servers (64 GPUs in total)': the counted chips describe the run, not the servers."""
    counted = [h for h in hardware if h["rule"] != _MACHINE_RULE and h["hardware_count"]]
    return [h for h in hardware if h["rule"] != _MACHINE_RULE or not counted]


def _located(sent: _Sentence, span: Span) -> dict:
    """Rule id, offset in the sentence and local doubt of one span (not stored on the run)."""
    before = span.doc.text[max(0, span.start_char - 40) : span.start_char]
    return {"rule": span.id_, "at": span.start_char - sent.span.start_char,
            "local_doubt": _local_doubt(before)}  # fmt: skip


_ML_CONTEXT = re.compile(
    r"\b(?:model|network|net|experiment|run|implementation|system|we|our|GPU|TPU)s?\b", re.I
)
_CPU_ONLY = re.compile(r"\b(?:single|one|\d+)\s+(?:CPU\s+)?cores?\b|\bCPUs?\b", re.I)


def _describes_training(text: str, device_time: bool = False) -> bool:
    """A time with no hardware needs a training word and machine-learning context: "it takes
    him 5 hours" (a word problem) has "takes" but no model, run or experiment. Device-time
    ("10 TPU-days") needs a strong training word ("train", not "takes") or the paper's own voice ("we used ...")."""
    if device_time:
        return bool(context.STRONG_TRAINING.search(text) or context.OWN_WORK.search(text))
    if not context.has_training_cue(text):
        return False
    return bool(context.STRONG_TRAINING.search(text) or _ML_CONTEXT.search(text))


def _with_epochs(runs: list[TrainingCandidate], sent: _Sentence) -> list[TrainingCandidate]:
    """'trained for 90 epochs on 8 GPUs': one stated epoch count in the sentence goes to its
    runs; several different counts ("10 epochs ... then 90 epochs") are left unattached."""
    counts = {n for s in sent.spans.get(q.EPOCHS, [])
              if (n := parse_number(next((t.text for t in s if t.like_num), ""))) and n > 0}
    if len(counts) == 1:
        (epochs,) = counts
        for run in runs:
            run.epochs = epochs
    return runs


def _merge_generic_and_named(hardware: list[dict]) -> list[dict]:
    """'8 GPUs of NVIDIA M40': a counted generic mention and an uncounted named one are one run."""
    named = [h for h in hardware if not h["hardware"].endswith("-unspecified")]
    generic = [h for h in hardware if h["hardware"].endswith("-unspecified")]
    counted = [g for g in generic if g["hardware_count"] is not None]
    if len(named) == 1 and named[0]["hardware_count"] is None and counted:
        kind = "tpu" if named[0]["hardware"].startswith("tpu") else "gpu"
        same_kind = [g for g in counted if g["hardware"].startswith(kind)]
        if same_kind:
            merged = dict(named[0])
            merged.update(hardware_count=same_kind[-1]["hardware_count"],
                          count_unit=same_kind[-1]["count_unit"])  # fmt: skip
            merged["chips"] = chips_from_count(
                merged["hardware"], merged["hardware_count"], merged["count_unit"] or "chip"
            )
            return [merged]
    if named and generic and all(g["hardware_count"] is None for g in generic):
        return named
    return hardware


def _combine(durations: list[dict]) -> tuple[dict, list[dict]]:
    """The first wall-clock duration and the first device-time total describe one run."""
    wall = [d for d in durations if "duration_hours" in d]
    device = [d for d in durations if "device_hours" in d]
    first: dict = {}
    if wall:
        first |= wall[0]
    if device:
        first |= {k: v for k, v in device[0].items() if k != "duration_raw" or not wall}
        first.setdefault("rule", device[0]["rule"])
    rest = wall[1:] + device[1:]
    return first, rest


_COMPARISON = re.compile(r"\b(vs\.?|versus|than|compared|from|faster|slower|reduc\w+)\b", re.I)


def _pair(sent: _Sentence, hardware: list[dict], durations: list[dict], rejected: bool):  # type: ignore[no-untyped-def]
    """Runs of one sentence: the i-th hardware with the i-th duration; extra durations are
    comparisons ("8.5 vs. 21 hours") and get a lower confidence."""
    text = sent.span.text
    if len(hardware) <= 1:
        first, rest = _combine(durations)
        compared = _COMPARISON.search(text) and len(durations) > 1
        penalty = -0.3 if compared else 0.0
        pairs = [((hardware[0] if hardware else {}), first, penalty / 2)]
        pairs += [((hardware[0] if hardware else {}), d, penalty) for d in rest]
    else:
        pairs = [(hw, durations[i] if i < len(durations) else {}, 0.0) for i, hw in enumerate(hardware)]
    runs = []
    for hw, dur, penalty in pairs:
        if not hw and not dur:
            continue
        rule = hw.get("rule") or dur.get("rule")
        fields = {k: v for k, v in (hw | dur).items() if k not in _HELPER_KEYS}
        base = RULE_BASE_CONFIDENCE.get(hw.get("rule", ""), 0.6) + penalty
        if hw.get("hardware", "").endswith("-unspecified"):
            base -= GENERIC_PENALTY
        if dur and not hw and not _GPU_CONTEXT.search(text) and _CPU_ONLY.search(text):
            base -= CPU_PENALTY  # "training the SVRs takes an hour on a single core"
        confidence = context.confidence(base, text, hw.get("at", dur.get("at")))
        time_confidence = context.confidence(0.6 + penalty, text, dur.get("at"))
        if hw and dur and confidence < MIN_CONFIDENCE <= time_confidence and not hw.get("doubt"):
            # the duration stands on its own; the hardware mention is too weak to keep
            fields = {k: v for k, v in fields.items() if k not in _HARDWARE_FIELDS}
            confidence, rule = time_confidence, dur.get("rule") or rule
        run = TrainingCandidate(
            evidence=_evidence(sent.page, sent.span, rule),
            stage=context.stage_of(text),
            model=context.nearest_model(text, len(text)),
            confidence=confidence,
            **fields,
        )
        if rejected or hw.get("doubt"):
            run.status = q.REJECTED
            run.reject_reason = hw.get("doubt") or "inference_or_no_training_context"
        runs.append(run)
    return runs


def _size_from_span(sent: _Sentence, span: Span) -> SizeCandidate | None:
    text = span.text
    if span.label_ == q.PARAM_COUNT:
        number = re.search(r"\d[\d,.]*\s*[A-Za-z]*", re.sub(r"^#?\s*param\w*\s*[:=]?\s*", "", text, flags=re.I))
        value = parse_scaled(number.group(0)) if number else None
        quantity, unit = q.PARAM_COUNT, "params"
    else:
        value, unit = _read_flops(span)
        quantity = q.FLOPS_PER_FORWARD
    if value is None or value <= 0:
        return None
    offset = span.start_char - sent.span.start_char
    return SizeCandidate(
        quantity=quantity,
        value=value,
        raw_value=text,
        unit=unit,
        evidence=_evidence(sent.page, sent.span, span.id_),
        model=context.nearest_model(sent.span.text, offset),
        confidence=context.confidence(0.6, sent.span.text),
    )


def _read_flops(span: Span) -> tuple[float | None, str]:
    tokens = list(span)
    nums = [t for t in tokens if t.like_num]
    if not nums:
        return None, "flops"
    value = parse_number(nums[0].text)
    unit_text = "".join(t.text for t in tokens[tokens.index(nums[0]) + 1 :])
    sci = re.match(r"^[x×]10\^?(\d+)", unit_text)
    if sci:
        value = value * 10 ** int(sci.group(1)) if value is not None else None
        unit_text = unit_text[sci.end() :]
    scale = flops_unit_scale(unit_text)
    if value is None or scale is None:
        return None, "flops"
    return significant(value * scale[0]), scale[1]


def extract_from_text(
    pages: list[Page], year: int | None = None, skip: Ranges | None = None
) -> tuple[list[TrainingCandidate], list[SizeCandidate], list[ResultCandidate]]:
    """All training runs, model sizes and results stated in the running text of ``pages``.

    ``skip`` holds character ranges per page (references, table bodies) that are not prose.
    """
    training: list[TrainingCandidate] = []
    sizes: list[SizeCandidate] = []
    results: list[ResultCandidate] = []
    page_counts = {page.number: benchmark_mentions(page.text) for page in pages}
    for sent in _sentences(pages, skip or {}):
        training.extend(_training_from_sentence(sent, year))
        for label in (q.PARAM_COUNT, q.FLOPS_PER_FORWARD):
            for span in sent.spans.get(label, []):
                size = _size_from_span(sent, span)
                if size is not None:
                    sizes.append(size)
        for span in sent.spans.get(q.RESULT, []):
            evidence = _evidence(sent.page, sent.span, span.id_)
            result = result_from_span(span, evidence, page_counts[sent.page.number])
            if result is not None:
                results.append(result)
    return _merge_neighbours(training), sizes, results


_MERGE_WINDOW = 600  # characters between two sentences that may state one run together
_WEAK_DOUBTS = (None, "no_training_context")
_TIME_FIELDS = ("duration_hours", "duration_lo_hours", "duration_hi_hours", "device_hours",
                "duration_raw")  # fmt: skip


def _near(prev: TrainingCandidate, run: TrainingCandidate) -> bool:
    gap = (run.evidence.char_start or 0) - (prev.evidence.char_end or 0)
    return prev.evidence.page == run.evidence.page and 0 <= gap < _MERGE_WINDOW


def _absorb_time(prev: TrainingCandidate, run: TrainingCandidate) -> bool:
    """'We use 4 V100s. Training takes 3 days.': the duration joins the hardware run."""
    if not (prev.hardware and not has_time(prev) and run.hardware is None and has_time(run)):
        return False
    if prev.confidence < MIN_CONFIDENCE:
        return False  # a weak mention (a caption's axis labels) does not borrow a time's confidence
    if run.status != q.CANDIDATE or prev.reject_reason not in _WEAK_DOUBTS or not _near(prev, run):
        return False
    for name in _TIME_FIELDS:
        setattr(prev, name, getattr(run, name))
    prev.status, prev.reject_reason = q.CANDIDATE, None
    prev.confidence = max(prev.confidence, run.confidence)
    return True


def _name_generic(prev: TrainingCandidate, run: TrainingCandidate) -> bool:
    """'We ran on 32GB V100 GPUs. ... takes 1 day on 4 GPUs': the 4 GPUs are V100s."""
    if not (prev.hardware and run.hardware and run.hardware.endswith("-unspecified")):
        return False
    if prev.hardware.endswith("-unspecified") or prev.hardware_count is not None:
        return False
    same_kind = prev.hardware.startswith("tpu") == run.hardware.startswith("tpu")
    doubt_ok = prev.reject_reason in (*_WEAK_DOUBTS, "named_a_later_run")
    if not same_kind or not doubt_ok or not _near(prev, run):
        return False
    run.hardware = prev.hardware
    if run.hardware_count is not None:
        run.chips = chips_from_count(run.hardware, run.hardware_count, run.count_unit or "chip")
    prev.status, prev.reject_reason = q.REJECTED, "named_a_later_run"
    return True


def _merge_neighbours(runs: list[TrainingCandidate]) -> list[TrainingCandidate]:
    """Join what neighbouring sentences state about one run (see _absorb_time, _name_generic)."""
    merged: list[TrainingCandidate] = []
    named: TrainingCandidate | None = None  # the last uncounted mention of a specific model
    for run in runs:
        prev = merged[-1] if merged else None
        if prev is not None and _absorb_time(prev, run):
            continue
        if named is not None:
            _name_generic(named, run)
        if run.hardware and not run.hardware.endswith("-unspecified") and run.hardware_count is None:
            named = run
        merged.append(run)
    return merged
