"""The knowledge base as a printable handbook (HTML), generated from ``knowledge/`` on request.

Pages: an index by topic, one page per entry, and the whole handbook on one page for
printing (each entry starts on a new A4 page). Every text is escaped.
"""

from __future__ import annotations

from html import escape

from bot.knowledge.legal import LegalCorpus
from bot.knowledge.loader import TOPIC_LABELS, KnowledgeBase
from bot.knowledge.schema import Entry
from bot.replies import citation_texts

STYLE = """
body{font:18px/1.7 "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;color:#111;
 background:#fff;max-width:46em;margin:0 auto;padding:1em}
h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:2px solid #333;margin-top:1.6em}
h3{font-size:1.1em;margin:1.2em 0 .3em}a{color:#0645ad}
.entry{margin-bottom:2.5em}.id{color:#555;font-size:.8em}.cite{margin:.3em 0 .6em 1em}
.cite b{display:block}.script{background:#f4f4f4;padding:.6em .9em;border-left:4px solid #999}
nav{margin:1em 0}.actions a{margin-right:1em}
@media print{
 @page{size:A4;margin:18mm 16mm}
 body{font-size:12pt;max-width:none;padding:0}
 nav,.actions{display:none}
 a{color:#000;text-decoration:none}
 .entry{page-break-before:always;break-before:page}
 .entry:first-of-type{page-break-before:auto;break-before:auto}
 h2,h3{page-break-after:avoid;break-after:avoid}
 .cite,.script,li{page-break-inside:avoid;break-inside:avoid}
}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )


def _list(items: list[str], ordered: bool = False) -> str:
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{escape(i)}</li>" for i in items) + f"</{tag}>"


def entry_section(entry: Entry, corpus: LegalCorpus) -> str:
    """One entry: question, plain answer, steps, cited articles with text, script, documents."""
    cites = "".join(
        f'<div class="cite"><b>{escape(label)}</b>{escape(text)}</div>'
        for label, text in citation_texts(entry, corpus)
    )
    script = entry.script
    return (
        f'<section class="entry" id="{escape(entry.id)}">'
        f'<h2>{escape(entry.title)} <span class="id">{escape(entry.id)}</span></h2>'
        f"<h3>简明回答</h3><p>{escape(entry.answer)}</p>"
        f"<h3>下一步怎么办</h3>{_list(entry.next_steps, ordered=True)}"
        f"<h3>去哪办</h3><p>{escape('、'.join(entry.where_to_go))}</p>"
        f"<h3>法律依据</h3>{cites}"
        f'<h3>朗读稿（给老人讲）</h3><div class="script"><p>{escape(script.explain)}</p>'
        f"<p><b>问一句：</b>{escape(script.ask_back)}</p>"
        + (f"<p>{escape(script.then)}</p>" if script.then else "")
        + f"</div><h3>要带的材料</h3>{_list(entry.documents)}</section>"
    )


def index_page(kb: KnowledgeBase) -> str:
    parts = ["<h1>明白人手册</h1>", "<p>乌拉特中旗“法律进村”问答手册，按题目分类。点开一题看详细内容。</p>"]
    parts.append(
        '<p class="actions"><a href="/handbook/all">整本打印（每题一页 A4）</a><a href="/chat">去问答页</a></p>'
    )
    for topic, label in TOPIC_LABELS.items():
        entries = [e for e in kb if e.topic == topic]
        if not entries:
            continue
        parts.append(f"<h2>{escape(label)}</h2><ol>")
        parts += [f'<li><a href="/handbook/{escape(e.id)}">{escape(e.title)}</a></li>' for e in entries]
        parts.append("</ol>")
    return _page("明白人手册", "".join(parts))


def entry_page(entry: Entry, corpus: LegalCorpus) -> str:
    nav = '<nav><a href="/handbook">← 手册目录</a></nav>'
    return _page(entry.title, nav + entry_section(entry, corpus))


def whole_handbook(kb: KnowledgeBase, corpus: LegalCorpus) -> str:
    """All entries, topic by topic, one per printed page."""
    nav = '<nav><a href="/handbook">← 手册目录</a>（用浏览器的“打印”即可打印整本）</nav>'
    ordered = [e for topic in TOPIC_LABELS for e in kb if e.topic == topic]
    return _page("明白人手册（整本）", nav + "".join(entry_section(e, corpus) for e in ordered))
