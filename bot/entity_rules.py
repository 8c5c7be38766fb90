"""Rule-based entities with spaCy (``zh`` + jieba segmenter, built offline, no model download).

Entities:
- ``place``: the Banner's towns and sumu (and nearby cities), valued by their full name;
- ``village``: a 嘎查 / 村 name such as 巴音嘎查;
- ``amount``: a sum of money (两万块, 3000元, 三万多);
- ``elapsed_time``: how long ago (上个月, 三年前, 刚才).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from bot.places import place_aliases

_NUM = "[0-9０-９零〇一二两三四五六七八九十百千万亿几]"
_AMOUNT = re.compile(
    rf"{_NUM}+(?:\.[0-9]+)?(?:多|来|余)?(?:万|千|百)?(?:多|来|余)?"
    r"(?:块钱|块|元钱|元|圆|万|千)(?:多|来|余)?(?![多亩米平只头斤人户年公])"
)
_ELAPSED = re.compile(
    rf"(?:(?:{_NUM}+|半|好几|十来|几十)(?:多|来)?个?(?:年|月|星期|礼拜|周|天|日|小时|钟头|分钟)"
    r"(?:多)?(?:以前|之前|前|了))"
    r"|(?:上个?(?:月|星期|礼拜|周)|上半年|下半年|大前年|前年|去年|前天|昨天|昨儿个?|昨晚|今早|"
    r"刚才|刚刚|前些天|前几天|前阵子|前段时间|前些年|这几天|今天早上|今天)"
)
# Words that end in 村 or 嘎查 but do not name one.
_NOT_VILLAGE = {
    "农村", "乡村", "本村", "全村", "邻村", "外村", "进村", "回村", "山村", "新农村", "村村",
    "我们村", "咱们村", "俺们村", "我村", "这个村", "那个村", "各村", "每个村", "同村",
    "本嘎查", "我们嘎查", "咱们嘎查", "俺们嘎查", "这个嘎查", "那个嘎查", "全嘎查", "各嘎查",
}  # fmt: skip
_VILLAGE_SUFFIXES = ("嘎查", "村")
_VILLAGE_NAME_MAX = 5
_HAN_ONLY = re.compile(r"^[\u4e00-\u9fff]+$")
# Words that cannot be part of a village name: what precedes it in "我是…的", "住在…", "我们…".
_NAME_STOP = set("我你他她它们是在住到去从回给跟和与的了吧呢啊本全邻外同各每这那哪个里上下说问找让叫把被就也都还有没") | {
    "我们", "咱们", "俺们", "你们", "他们", "这个", "那个", "本地", "老家", "附近", "旁边", "隔壁",
    "住在", "来自", "家在", "就是", "还是", "我家", "咱家", "俺家", "他家",
}  # fmt: skip


@Language.factory("village_names", default_config={})
def _make_village_names(nlp, name):  # noqa: ANN001 - spaCy resolves annotations eagerly
    return VillageNames()


class VillageNames:
    """spaCy component: a 嘎查 / 村 with the name before it (哈日嘎查, 红旗村).

    Mongolian names are split by the segmenter at random (哈/日/嘎查), so the name is taken as
    the run of words before the suffix, stopping at a function word, a place or punctuation.
    """

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.ents)
        taken = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        for i, token in enumerate(doc):
            text = token.text
            if text in _VILLAGE_SUFFIXES:
                start, length = i, 0
                while start > 0:
                    before = doc[start - 1]
                    if (
                        start - 1 in taken
                        or before.text in _NAME_STOP
                        or not _HAN_ONLY.match(before.text)
                        or length + len(before.text) > _VILLAGE_NAME_MAX
                    ):
                        break
                    start -= 1
                    length += len(before.text)
                if length >= 2:
                    spans.append(Span(doc, start, i + 1, label="village"))
            elif (
                text.endswith(_VILLAGE_SUFFIXES)
                and _HAN_ONLY.match(text)
                and len(text) >= 3
                and text not in _NOT_VILLAGE
                and not any(text.startswith(w) for w in _NAME_STOP if len(w) > 1)
            ):
                spans.append(Span(doc, i, i + 1, label="village"))
        doc.ents = filter_spans(spans)
        return doc


@Language.factory("regex_entities", default_config={})
def _make_regex_entities(nlp, name):  # noqa: ANN001 - spaCy resolves annotations eagerly
    return RegexEntities()


class RegexEntities:
    """spaCy component: amounts and elapsed times by regular expression, snapped to tokens."""

    patterns = (("amount", _AMOUNT), ("elapsed_time", _ELAPSED))

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.ents)
        for label, pattern in self.patterns:
            for match in pattern.finditer(doc.text):
                span = doc.char_span(*match.span(), alignment_mode="expand")
                if span is not None:
                    # The span snaps to whole tokens; the value keeps exactly what matched.
                    spans.append(Span(doc, span.start, span.end, label=label, kb_id=match.group()))
        doc.ents = filter_spans(spans)
        return doc


def build_nlp(places: Iterable[str]) -> Language:
    """A blank Chinese pipeline (jieba segmenter) with place, village, amount and time rules."""
    aliases = place_aliases(places)
    for written in aliases:
        jieba.add_word(written)  # keep the place name one token, as in the Rasa tokenizer
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "TEXT"})
    ruler.add_patterns([{"label": "place", "pattern": w, "id": full} for w, full in aliases.items()])
    nlp.add_pipe("village_names")
    nlp.add_pipe("regex_entities")
    return nlp


def extract(nlp: Language, text: str) -> list[dict]:
    """Entities of ``text`` as Rasa-style dicts (entity, value, start, end)."""
    doc = nlp(text)
    out = []
    for ent in doc.ents:
        value = ent.ent_id_ or ent.kb_id_ or ent.text
        out.append({"entity": ent.label_, "value": value, "start": ent.start_char, "end": ent.end_char})
    return out


def village_from(entities: list[dict]) -> str | None:
    """The asker's village as said: place and village names in order, e.g. 新忽热苏木巴音嘎查."""
    parts = [
        e["value"] for e in sorted(entities, key=lambda e: e["start"]) if e["entity"] in ("place", "village")
    ]
    return "".join(dict.fromkeys(parts)) or None


def amount_from(entities: list[dict]) -> str | None:
    """The first sum of money mentioned, as said."""
    return next((e["value"] for e in entities if e["entity"] == "amount"), None)
