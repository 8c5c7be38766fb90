"""The trainers' review web console (Sanic): the inbox of unanswered questions, actions with
undo, the "needs a new entry" backlog, the hand-off queue, statistics and CSV exports.

Run it with ``python -m bot.review.console --port 8000`` (accounts: ``python -m bot user add``).

Security: logins are checked against ``ReviewStore`` (scrypt), sessions live in memory keyed by
a random HttpOnly cookie and expire after 8 hours idle, repeated failed logins are slowed down,
every POST carries a per-session CSRF token, every logged text is escaped (Jinja2 autoescape),
CSV cells are guarded against formula injection and all SQL is parameterised.
Sessions and login throttling are in memory: restarting the console logs everybody out, and it
must run as a single process. Behind a reverse proxy, set Sanic's ``FORWARDED_SECRET`` /
``REAL_IP_HEADER`` so that ``request.ip`` is the client's, else the IP limit counts the proxy.
"""

from __future__ import annotations

import argparse
import csv
import hmac
import io
import json
import math
import os
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from jinja2 import DictLoader, Environment
from markupsafe import Markup
from sanic import Request, Sanic
from sanic import response as resp
from sanic.response import HTTPResponse

from bot import paths
from bot.knowledge.loader import ENTRIES_SUBDIR
from bot.querylog.store import HANDOFF_STATUSES, HANDOFFS, MESSAGES, QueryLog
from bot.review.service import Review
from bot.review.store import ACTIONS, ReviewStore

SESSION_COOKIE = "review_session"
LOGIN_CSRF_COOKIE = "review_login_csrf"
SESSION_IDLE_SECONDS = 8 * 3600
FAILURE_WINDOW_SECONDS = 15 * 60
FREE_FAILURES = 3
MAX_DELAY_SECONDS = 300
STATUS_LABELS = {"new": "新", "contacted": "已联系", "closed": "已结束"}
KIND_LABELS = {
    "assign": "归入条目",
    "out_of_scope": "超出范围",
    "new_entry": "需要新条目",
    "spam": "垃圾信息",
}
OUTCOMES = ("answered", "suggested", "fallback", "emergency")
OUTCOME_LABELS = {"answered": "已回答", "suggested": "给出建议", "fallback": "未能回答", "emergency": "紧急"}
MAX_NOTES = 4000
MAX_TEXT = 1000
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PALETTE = ("#1f6f8b", "#e07a1f", "#5a9e3a", "#b8323f", "#7a5ba8", "#8c6d31", "#3b7dd8", "#999999")


# ---------------------------------------------------------------------------------- auth state


@dataclass
class Session:
    name: str
    role: str
    csrf: str
    last_seen: float


@dataclass
class Throttle:
    """Failed logins per key (a name or a client IP) in memory; after ``FREE_FAILURES`` within
    the window each further failure locks the key for 2, 4, 8 … seconds (at most 5 minutes)."""

    clock: Callable[[], float]
    failures: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    locked_until: dict[str, float] = field(default_factory=dict)

    def _prune(self, key: str, now: float) -> list[float]:
        recent = [t for t in self.failures.get(key, []) if now - t < FAILURE_WINDOW_SECONDS]
        if recent:
            self.failures[key] = recent
        else:
            self.failures.pop(key, None)
        return recent

    def wait(self, keys: Iterable[str]) -> float:
        """Seconds until an attempt for these keys is allowed again (0 when it is)."""
        now = self.clock()
        return max([self.locked_until.get(k, 0) - now for k in keys] + [0.0])

    def fail(self, keys: Iterable[str]) -> None:
        now = self.clock()
        if len(self.failures) > 10000:  # bound memory under a flood of names
            for key in list(self.failures):
                self._prune(key, now)
            self.locked_until = {k: v for k, v in self.locked_until.items() if v > now}
        for key in keys:
            recent = [*self._prune(key, now), now]
            self.failures[key] = recent
            extra = len(recent) - FREE_FAILURES
            if extra >= 0:
                self.locked_until[key] = now + min(2 ** (extra + 1), MAX_DELAY_SECONDS)

    def succeed(self, key: str) -> None:
        self.failures.pop(key, None)
        self.locked_until.pop(key, None)


# ------------------------------------------------------------------------------------ templates

BASE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · 明白人助手审核台</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;color:#222;background:#f6f6f3}
header{background:#1f4e5f;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a{color:#fff}header nav{display:flex;gap:1rem;flex:1}header form{margin:0}
main{padding:1rem;max-width:75rem;margin:auto}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.75rem 1rem;margin:.75rem 0}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef2f3}.muted{color:#666;font-size:.9em}.error{color:#a40000;font-weight:bold}
input[type=text],select,textarea{max-width:100%;font:inherit}textarea{width:100%}
button{font:inherit;cursor:pointer}.leader{font-size:1.1em;font-weight:bold}
ul.members{margin:.3rem 0;padding-left:1.2rem}svg{max-width:100%;height:auto;background:#fff}
.actions button{margin:.2rem .2rem 0 0}
</style></head><body>
{% if user %}<header><strong>明白人助手审核台</strong><nav>
{% if user.role == "trainer" %}<a href="/">待处理</a><a href="/actions">操作记录</a><a href="/backlog">新条目需求</a>{% endif %}
<a href="/handoffs">转人工</a>{% if user.role == "trainer" %}<a href="/stats">统计</a>{% endif %}
</nav><span>{{ user.name }}（{{ "训练员" if user.role == "trainer" else "明白人" }}）</span>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="{{ user.csrf }}"><button>退出</button></form>
</header>{% endif %}
<main><h1>{{ title }}</h1>
{% if message %}<p class="error" role="alert">{{ message }}</p>{% endif %}
{% block content %}{% endblock %}
</main></body></html>
"""

LOGIN = """{% extends "base" %}{% block content %}
<form method="post" action="/login" class="card">
<input type="hidden" name="csrf" value="{{ csrf }}">
<p><label>用户名 <input type="text" name="name" value="{{ name }}" autocomplete="username" required></label></p>
<p><label>密码 <input type="password" name="password" autocomplete="current-password" required></label></p>
<p><button>登录</button></p></form>
{% endblock %}"""

INBOX = """{% extends "base" %}{% block content %}
<form method="get" action="/" class="card"><label>搜索 <input type="text" name="q" value="{{ q }}"></label>
<button>搜索</button> <a href="/inbox.csv{{ csv_query }}">导出 CSV</a></form>
<p class="muted">{{ groups|length }} 组待处理问题</p>
{% for g in groups %}<section class="card">
<p class="leader">{{ g.leader.text }}</p>
<p class="muted">共 {{ g.count }} 条 · 首次 {{ g.first_seen|when }} · 最近 {{ g.last_seen|when }}</p>
{% if g.guesses %}<p>助手猜测：{% for id, n in g.guesses %}{{ id }} {{ titles.get(id, "（未知条目）") }}（{{ n }}）{% if not loop.last %}；{% endif %}{% endfor %}</p>{% endif %}
<ul class="members">{% for m in g.members[:20] %}<li>{{ m.text }} <span class="muted">{{ m.ts|when }} {{ m.channel or "" }}</span></li>{% endfor %}
{% if g.count > 20 %}<li class="muted">……另有 {{ g.count - 20 }} 条</li>{% endif %}</ul>
<form method="post" action="/act" class="actions">
<input type="hidden" name="csrf" value="{{ user.csrf }}"><input type="hidden" name="ids" value="{{ g.ids|join(',') }}">
<input type="hidden" name="q" value="{{ q }}">
<p><label>问题文本 <input type="text" name="text" value="{{ g.leader.text }}" size="60" maxlength="1000"></label></p>
<p><label>条目 <select name="entry_id"><option value="">（选择条目）</option>
{% set top = g.guesses[0][0] if g.guesses else "" %}
{% for id, title in entries %}<option value="{{ id }}"{% if id == top %} selected{% endif %}>{{ id }} {{ title }}</option>{% endfor %}
</select></label></p>
<button name="kind" value="assign">归入条目</button><button name="kind" value="out_of_scope">超出范围</button>
<button name="kind" value="new_entry">需要新条目</button><button name="kind" value="spam">垃圾信息</button>
</form></section>{% else %}<p>没有待处理的问题。</p>{% endfor %}
{% endblock %}"""

ACTIONS_PAGE = """{% extends "base" %}{% block content %}
<p><a href="/actions.csv">导出 CSV</a></p>
<table><thead><tr><th>#</th><th>时间</th><th>审核人</th><th>操作</th><th>条目</th><th>问题文本</th><th>条数</th><th>状态</th></tr></thead><tbody>
{% for a in actions %}<tr><td>{{ a.id }}</td><td>{{ a.ts|when }}</td><td>{{ a.who }}</td><td>{{ kinds.get(a.kind, a.kind) }}</td>
<td>{{ a.entry_id or "" }}</td><td>{{ a.text or "" }}</td><td>{{ a.count }}</td>
<td>{% if a.undone_at %}已撤销（{{ a.undone_by }}，{{ a.undone_at|when }}）{% else %}
<form method="post" action="/undo"><input type="hidden" name="csrf" value="{{ user.csrf }}">
<input type="hidden" name="action_id" value="{{ a.id }}"><button>撤销</button></form>{% endif %}</td></tr>
{% else %}<tr><td colspan="8">还没有操作。</td></tr>{% endfor %}
</tbody></table>{% endblock %}"""

BACKLOG = """{% extends "base" %}{% block content %}
<p><a href="/backlog.csv">导出 CSV</a></p>
<table><thead><tr><th>#</th><th>时间</th><th>提出人</th><th>问题</th><th>条数</th></tr></thead><tbody>
{% for b in backlog %}<tr><td>{{ b.id }}</td><td>{{ b.ts|when }}</td><td>{{ b.who }}</td><td>{{ b.text }}</td><td>{{ b.count }}</td></tr>
{% else %}<tr><td colspan="5">没有需要新条目的问题。</td></tr>{% endfor %}
</tbody></table>{% endblock %}"""

HANDOFFS_PAGE = """{% extends "base" %}{% block content %}
<p><a href="/handoffs.csv">导出 CSV</a>（含电话，仅限工作人员）</p>
{% for h in handoffs %}<section class="card">
<p><strong>#{{ h.id }}</strong> {{ h.ts|when }} · 嘎查/村：{{ h.village or "—" }} · 电话：{{ h.phone or "—" }}
· 状态：{{ statuses.get(h.status, h.status) }}{% if h.handler %} · 处理人：{{ h.handler }}{% endif %}</p>
<p class="leader">{{ h.question }}</p>
{% if h.turns %}<details><summary>对话记录（{{ h.turns|length }}）</summary><ol>{% for t in h.turns %}<li>{{ t }}</li>{% endfor %}</ol></details>{% endif %}
<form method="post" action="/handoffs/{{ h.id }}">
<input type="hidden" name="csrf" value="{{ user.csrf }}">
<label>状态 <select name="status">{% for s in status_order %}<option value="{{ s }}"{% if s == h.status %} selected{% endif %}>{{ statuses[s] }}</option>{% endfor %}</select></label>
<label>备注<textarea name="notes" rows="2" maxlength="4000">{{ h.notes or "" }}</textarea></label>
<button>保存</button></form></section>
{% else %}<p>没有转人工的问题。</p>{% endfor %}
{% endblock %}"""

STATS = """{% extends "base" %}{% block content %}
<p class="muted">共 {{ total }} 条消息，{{ handoffs }} 次转人工。</p>
<section class="card"><h2>每日消息数（按渠道）</h2>{{ per_day }}</section>
<section class="card"><h2>每日结果比例</h2>{{ rates }}</section>
<section class="card"><h2>最常被问的条目</h2>{{ top_entries }}</section>
<section class="card"><h2>各条目的反馈（“没帮助”比例高的在前）</h2>{{ feedback }}
<table><thead><tr><th>条目</th><th>标题</th><th>有帮助</th><th>没帮助</th><th>没帮助比例</th></tr></thead><tbody>
{% for f in feedback_rows %}<tr><td>{{ f.id }}</td><td>{{ f.title }}</td><td>{{ f.useful }}</td><td>{{ f.not_useful }}</td><td>{{ "%.0f"|format(f.ratio * 100) }}%</td></tr>
{% else %}<tr><td colspan="5">还没有反馈。</td></tr>{% endfor %}</tbody></table></section>
{% endblock %}"""

ERROR = """{% extends "base" %}{% block content %}<p><a href="{{ back }}">返回</a></p>{% endblock %}"""


def _when(value: Any) -> str:
    """An ISO timestamp shortened for display: ``2026-11-10 08:00``."""
    text = str(value or "")
    return text[:16].replace("T", " ")


def _environment() -> Environment:
    env = Environment(
        loader=DictLoader(
            {
                "base": BASE,
                "login": LOGIN,
                "inbox": INBOX,
                "actions": ACTIONS_PAGE,
                "backlog": BACKLOG,
                "handoffs": HANDOFFS_PAGE,
                "stats": STATS,
                "error": ERROR,
            }
        ),
        autoescape=True,
    )
    env.filters["when"] = _when
    return env


# ---------------------------------------------------------------------------------------- charts


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img"><title>{escape(label)}</title>{"".join(body)}</svg>'
    )


def _legend(series: list[str], labels: dict[str, str], x: int, y: int) -> list[str]:
    parts = []
    for i, name in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        text = escape(labels.get(name, name))
        xi = x + i * 110
        parts.append(
            f'<g><title>{text}</title><rect x="{xi}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{xi + 16}" y="{y + 11}" font-size="12">{text}</text></g>'
        )
    return parts


def stacked_bars(
    label: str,
    days: list[str],
    series: list[str],
    values: dict[tuple[str, str], float],
    *,
    percent: bool = False,
    labels: dict[str, str] | None = None,
) -> Markup:
    """Vertical bars per day stacked by series; ``percent`` scales each day to 100 %."""
    labels = labels or {}
    if not days:
        return _svg(300, 40, f"{label}：没有数据", ['<text x="10" y="25" font-size="13">没有数据</text>'])
    bar, gap, plot_h, top, left = 22, 8, 180, 30, 40
    width = left + len(days) * (bar + gap) + 20
    width = max(width, 120 + len(series) * 110)
    height = top + plot_h + 70
    totals = {d: sum(values.get((d, s), 0) for s in series) for d in days}
    peak = 1.0 if percent else max(max(totals.values()), 1)
    body = _legend(series, labels, left, 6)
    axis = "100%" if percent else str(int(peak))
    body.append(f'<text x="4" y="{top + 10}" font-size="11">{axis}</text>')
    body.append(f'<line x1="{left - 2}" y1="{top}" x2="{left - 2}" y2="{top + plot_h}" stroke="#999"/>')
    for i, day in enumerate(days):
        x = left + i * (bar + gap)
        y = top + plot_h
        for j, name in enumerate(series):
            count = values.get((day, name), 0)
            if not count:
                continue
            share = count / totals[day] if percent and totals[day] else count / peak
            h = share * plot_h
            y -= h
            shown = f"{count / totals[day] * 100:.0f}%（{count:g}）" if percent else f"{count:g}"
            title = escape(f"{day} {labels.get(name, name)}：{shown}")
            body.append(
                f'<rect x="{x}" y="{y:.1f}" width="{bar}" height="{h:.1f}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{title}</title></rect>'
            )
        body.append(
            f'<text x="{x + bar / 2}" y="{top + plot_h + 12}" font-size="10" '
            f'transform="rotate(60 {x + bar / 2} {top + plot_h + 12})">{escape(day[5:])}</text>'
        )
    return _svg(width, height, label, body)


def horizontal_bars(label: str, items: list[tuple[str, float, str]], *, percent: bool = False) -> Markup:
    """One horizontal bar per (label, value, title) item."""
    if not items:
        return _svg(300, 40, f"{label}：没有数据", ['<text x="10" y="25" font-size="13">没有数据</text>'])
    row, left, plot_w = 22, 70, 420
    peak = 1.0 if percent else max(max(v for _, v, _ in items), 1)
    body = []
    for i, (name, value, title) in enumerate(items):
        y = 8 + i * row
        w = max(value / peak * plot_w, 1)
        shown = f"{value * 100:.0f}%" if percent else f"{value:g}"
        body.append(
            f"<g><title>{escape(title)}</title>"
            f'<text x="4" y="{y + 14}" font-size="12">{escape(name)}</text>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + 14}" font-size="12">{escape(shown)}</text></g>'
        )
    return _svg(left + plot_w + 60, 16 + len(items) * row, label, body)


# ------------------------------------------------------------------------------------------ CSV


def csv_cell(value: Any) -> Any:
    """A value safe to open in a spreadsheet: text starting like a formula gets a quote first."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_START):
        return "'" + value
    return value


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> HTTPResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return resp.raw(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# ------------------------------------------------------------------------------------------ app


def _is_api(path: str) -> bool:
    return path.endswith(".csv")


def create_app(
    log_path: Path | str | None = None,
    review_db: Path | str | None = None,
    knowledge_dir: Path | str | None = None,
    secure_cookies: bool = False,
    *,
    root: Path | str | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Sanic:
    """The console app. ``root`` is where out-of-scope examples are written (default the
    checkout); ``clock`` (seconds) drives session expiry and login throttling."""
    knowledge = Path(knowledge_dir) if knowledge_dir else None
    log = QueryLog(log_path)
    store = ReviewStore(review_db)
    review = Review(log, store, knowledge, Path(root) if root else None)
    sessions: dict[str, Session] = {}
    throttle = Throttle(clock)
    templates = _environment()

    app = Sanic(f"review_console_{secrets.token_hex(6)}")
    app.config.KEEP_ALIVE_TIMEOUT = 5
    app.ctx.log, app.ctx.store, app.ctx.review = log, store, review
    app.ctx.sessions, app.ctx.throttle = sessions, throttle

    def set_cookie(response: HTTPResponse, name: str, value: str) -> None:
        response.cookies[name] = value
        response.cookies[name]["httponly"] = True
        response.cookies[name]["samesite"] = "Lax"
        response.cookies[name]["path"] = "/"
        if secure_cookies:
            response.cookies[name]["secure"] = True

    def render(template: str, request: Request, status: int = 200, **context: Any) -> HTTPResponse:
        context.setdefault("message", "")
        user = request.ctx.user if hasattr(request.ctx, "user") else None
        html = templates.get_template(template).render(user=user, **context)
        return resp.html(html, status=status)

    def error(request: Request, status: int, message: str, back: str = "/") -> HTTPResponse:
        if _is_api(request.path):
            return resp.text(message, status=status)
        return render("error", request, status=status, title="出错了", message=message, back=back)

    titles_cache: dict[tuple[str, int, int], tuple[str, str] | None] = {}

    def entry_titles() -> dict[str, str]:
        """Entry ids and titles for the picker, each file re-read only when it changed (the
        full ``loader.load`` validates every entry and takes ~0.4 s; the knowledge check does that)."""
        folder = (knowledge or paths.knowledge_dir()) / ENTRIES_SUBDIR
        titles = {}
        for path in sorted(folder.glob("*.yml")):
            stat = path.stat()
            key = (str(path), stat.st_mtime_ns, stat.st_size)
            if key not in titles_cache:
                try:
                    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
                except (OSError, yaml.YAMLError):
                    data = None
                ok = isinstance(data, dict) and data.get("id") == path.stem
                titles_cache[key] = (path.stem, str(data.get("title") or "")) if ok else None
            if titles_cache[key]:
                entry_id, title = titles_cache[key]
                titles[entry_id] = title
        return titles

    def current_session(request: Request) -> Session | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        session = sessions.get(token)
        if session is None:
            return None
        now = clock()
        if now - session.last_seen > SESSION_IDLE_SECONDS:
            del sessions[token]
            return None
        session.last_seen = now
        return session

    # -- middleware: login, CSRF, roles -------------------------------------------------------

    public = {"/login"}
    understander_paths = ("/handoffs", "/handoffs.csv", "/logout")

    @app.middleware("request")
    async def guard(request: Request):
        if request.path in public:
            return None
        session = current_session(request)
        if session is None:
            if request.method == "GET" and not _is_api(request.path):
                return resp.redirect("/login", status=302)
            return resp.text("login required", status=401)
        request.ctx.user = session
        if request.method == "POST":
            sent = request.form.get("csrf", "") if request.form else ""
            if not hmac.compare_digest(str(sent).encode(), session.csrf.encode()):
                return error(request, 403, "表单已失效（CSRF 校验失败），请刷新页面后重试。")
        if session.role != "trainer" and not (
            request.path in understander_paths or request.path.startswith("/handoffs/")
        ):
            return error(request, 403, "没有权限查看此页面。", back="/handoffs")
        return None

    @app.middleware("response")
    async def headers(request: Request, response: HTTPResponse):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cache-Control", "no-store")

    # -- login / logout -------------------------------------------------------------------------

    def login_page(request: Request, status: int = 200, message: str = "", name: str = "") -> HTTPResponse:
        # Keep the token the browser already holds: a second login page (another tab, or the
        # favicon request redirected here) must not invalidate the form already shown.
        held = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
        token = (
            held
            if len(held) == 32 and held.replace("-", "").replace("_", "").isalnum()
            else secrets.token_urlsafe(24)
        )
        response = render(
            "login", request, status=status, title="登录", csrf=token, name=name, message=message
        )
        set_cookie(response, LOGIN_CSRF_COOKIE, token)
        return response

    @app.get("/login")
    async def login_form(request: Request):
        if current_session(request):
            return resp.redirect("/", status=302)
        return login_page(request)

    @app.post("/login")
    async def login(request: Request):
        form = request.form or {}
        name = (form.get("name") or "").strip()[:100]
        password = form.get("password") or ""
        cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
        sent = form.get("csrf") or ""
        if not cookie_token or not hmac.compare_digest(sent.encode(), cookie_token.encode()):
            return login_page(request, 403, "表单已失效，请重新登录。", name)
        keys = [f"name:{name.lower()}", f"ip:{request.ip}"]
        wait = throttle.wait(keys)
        if wait > 0:
            seconds = math.ceil(wait)
            response = login_page(request, 429, f"登录失败次数过多，请 {seconds} 秒后再试。", name)
            response.headers["Retry-After"] = str(seconds)
            return response
        role = store.check_login(name, password) if name and password else None
        if role is None:
            throttle.fail(keys)
            return login_page(request, 401, "用户名或密码不对。", name)
        throttle.succeed(keys[0])
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            sessions.pop(old, None)
        token = secrets.token_urlsafe(32)
        sessions[token] = Session(name, role, secrets.token_urlsafe(32), clock())
        response = resp.redirect("/" if role == "trainer" else "/handoffs", status=303)
        set_cookie(response, SESSION_COOKIE, token)
        del response.cookies[LOGIN_CSRF_COOKIE]
        return response

    @app.post("/logout")
    async def logout(request: Request):
        sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
        response = resp.redirect("/login", status=303)
        del response.cookies[SESSION_COOKIE]
        return response

    # -- inbox ----------------------------------------------------------------------------------

    def search_arg(request: Request) -> str:
        return (request.args.get("q") or "").strip()[:200]

    @app.get("/")
    async def inbox(request: Request):
        q = search_arg(request)
        titles = entry_titles()
        groups = [
            {
                "leader": g.leader,
                "members": g.members,
                "count": g.count,
                "first_seen": g.first_seen,
                "last_seen": g.last_seen,
                "ids": g.ids,
                "guesses": g.guesses(),
            }
            for g in review.inbox(q or None)
        ]
        return render(
            "inbox",
            request,
            title="待处理问题",
            q=q,
            csv_query=f"?q={quote(q)}" if q else "",
            groups=groups,
            titles=titles,
            entries=list(titles.items()),
            message=request.args.get("msg", "")[:200],
        )

    @app.post("/act")
    async def act(request: Request):
        form = request.form
        who = request.ctx.user.name
        q = (form.get("q") or "").strip()[:200]
        back = f"/?q={quote(q)}" if q else "/"
        kind = form.get("kind") or ""
        if kind not in ACTIONS:
            return error(request, 400, "未知的操作。", back)
        try:
            ids = [int(i) for i in (form.get("ids") or "").split(",") if i.strip()]
        except ValueError:
            return error(request, 400, "消息编号无效。", back)
        if not ids:
            return error(request, 400, "没有选中消息。", back)
        if set(ids) & store.reviewed_message_ids():
            return error(request, 409, "这些问题已经有人处理过了。", back)
        text = (form.get("text") or "").strip()[:MAX_TEXT] or None
        entry_id = (form.get("entry_id") or "").strip() or None
        if kind == "assign":
            if not entry_id:
                return error(request, 400, "请选择要归入的条目。", back)
            if entry_id not in entry_titles():
                return error(request, 400, "没有这个条目。", back)
        else:
            entry_id = None
        try:
            review.act(who, kind, ids, entry_id, text)
        except ValueError as exc:
            return error(request, 400, f"操作失败：{exc}", back)
        return resp.redirect(back, status=303)

    @app.get("/inbox.csv")
    async def inbox_csv(request: Request):
        titles = entry_titles()
        rows = []
        for g in review.inbox(search_arg(request) or None):
            guesses = "; ".join(f"{i} {titles.get(i, '')}".strip() for i, _ in g.guesses())
            texts = " | ".join(m["text"] or "" for m in g.members)
            rows.append(
                [
                    g.leader["text"],
                    g.count,
                    g.first_seen,
                    g.last_seen,
                    guesses,
                    ",".join(map(str, g.ids)),
                    texts,
                ]
            )
        header = ["question", "count", "first_seen", "last_seen", "guesses", "message_ids", "texts"]
        return csv_response("inbox.csv", header, rows)

    # -- actions and backlog ----------------------------------------------------------------------

    def action_rows() -> list[dict[str, Any]]:
        rows = []
        for a in store.actions(limit=500):
            a = dict(a)
            a["count"] = len(json.loads(a["message_ids"] or "[]"))
            rows.append(a)
        return rows

    @app.get("/actions")
    async def actions(request: Request):
        return render("actions", request, title="操作记录", actions=action_rows(), kinds=KIND_LABELS)

    @app.post("/undo")
    async def undo(request: Request):
        try:
            action_id = int(request.form.get("action_id") or "")
        except ValueError:
            return error(request, 400, "操作编号无效。", "/actions")
        if not store.db["actions"].count_where("id = ?", [action_id]):
            return error(request, 404, "没有这个操作。", "/actions")
        try:
            review.undo(request.ctx.user.name, action_id)
        except ValueError as exc:
            return error(request, 409, f"撤销失败：{exc}", "/actions")
        return resp.redirect("/actions", status=303)

    @app.get("/actions.csv")
    async def actions_csv(request: Request):
        header = ["id", "ts", "who", "kind", "entry_id", "text", "message_ids", "undone_at", "undone_by"]
        return csv_response("actions.csv", header, ([a.get(c) for c in header] for a in action_rows()))

    @app.get("/backlog")
    async def backlog(request: Request):
        return render("backlog", request, title="需要新条目的问题", backlog=store.backlog())

    @app.get("/backlog.csv")
    async def backlog_csv(request: Request):
        header = ["id", "ts", "who", "text", "count"]
        return csv_response("backlog.csv", header, ([b[c] for c in header] for b in store.backlog()))

    # -- hand-offs ------------------------------------------------------------------------------

    def handoff_rows() -> list[dict[str, Any]]:
        rows = []
        for h in log.handoffs(limit=1000):
            h = dict(h)
            try:
                turns = json.loads(h.get("conversation") or "[]")
            except ValueError:
                turns = [h.get("conversation")]
            h["turns"] = [str(t) for t in turns] if isinstance(turns, list) else [str(turns)]
            rows.append(h)
        return rows

    @app.get("/handoffs")
    async def handoffs(request: Request):
        return render(
            "handoffs",
            request,
            title="转人工队列",
            handoffs=handoff_rows(),
            statuses=STATUS_LABELS,
            status_order=HANDOFF_STATUSES,
        )

    @app.post("/handoffs/<handoff_id:int>")
    async def update_handoff(request: Request, handoff_id: int):
        status = request.form.get("status") or ""
        if status not in HANDOFF_STATUSES:
            return error(request, 400, "状态无效。", "/handoffs")
        notes = (request.form.get("notes") or "")[:MAX_NOTES]
        try:
            log.update_handoff(handoff_id, status, notes, request.ctx.user.name)
        except KeyError:
            return error(request, 404, "没有这条转人工记录。", "/handoffs")
        return resp.redirect("/handoffs", status=303)

    @app.get("/handoffs.csv")
    async def handoffs_csv(request: Request):
        header = [
            "id",
            "ts",
            "channel",
            "village",
            "phone",
            "question",
            "conversation",
            "status",
            "handler",
            "notes",
        ]
        rows = (
            [*[h.get(c) for c in header[:6]], " | ".join(h["turns"]), *[h.get(c) for c in header[7:]]]
            for h in handoff_rows()
        )
        return csv_response("handoffs.csv", header, rows)

    # -- statistics -----------------------------------------------------------------------------

    @app.get("/stats")
    async def stats(request: Request):
        db = log.db
        titles = entry_titles()
        days_back = 30
        recent_days = [
            r[0]
            for r in db.execute(
                f"select distinct substr(ts, 1, 10) from {MESSAGES} order by 1 desc limit ?", [days_back]
            ).fetchall()
        ][::-1]
        since = recent_days[0] if recent_days else ""
        per_channel: dict[tuple[str, str], float] = {}
        channels: list[str] = []
        for day, channel, n in db.execute(
            f"select substr(ts, 1, 10), coalesce(channel, '?'), count(*) from {MESSAGES} "
            "where substr(ts, 1, 10) >= ? group by 1, 2 order by 1",
            [since],
        ).fetchall():
            per_channel[(day, channel)] = n
            if channel not in channels:
                channels.append(channel)
        per_outcome: dict[tuple[str, str], float] = {}
        for day, outcome, n in db.execute(
            f"select substr(ts, 1, 10), outcome, count(*) from {MESSAGES} "
            "where substr(ts, 1, 10) >= ? group by 1, 2",
            [since],
        ).fetchall():
            per_outcome[(day, outcome)] = n
        top = db.execute(
            f"select answer_id, count(*) from {MESSAGES} where outcome = 'answered' and answer_id is not null "
            "group by answer_id order by 2 desc, 1 limit 15"
        ).fetchall()
        feedback_rows = []
        for answer_id, counts in log.stats()["feedback"].items():
            total = counts["useful"] + counts["not_useful"]
            if total:
                feedback_rows.append(
                    {
                        "id": answer_id,
                        "title": titles.get(answer_id, ""),
                        "useful": counts["useful"],
                        "not_useful": counts["not_useful"],
                        "ratio": counts["not_useful"] / total,
                    }
                )
        feedback_rows.sort(key=lambda f: (-f["ratio"], -f["not_useful"], f["id"]))
        return render(
            "stats",
            request,
            title="统计",
            total=log.count(),
            handoffs=log.count(HANDOFFS),
            per_day=stacked_bars("每日消息数（按渠道）", recent_days, channels, per_channel),
            rates=stacked_bars(
                "每日结果比例",
                recent_days,
                list(OUTCOMES),
                per_outcome,
                percent=True,
                labels=OUTCOME_LABELS,
            ),
            top_entries=horizontal_bars(
                "最常被问的条目",
                [(a, n, f"{a} {titles.get(a, '')}：{n} 次") for a, n in top],
            ),
            feedback=horizontal_bars(
                "各条目“没帮助”的比例",
                [
                    (
                        f["id"],
                        f["ratio"],
                        f"{f['id']} {f['title']}：没帮助 {f['not_useful']}，有帮助 {f['useful']}",
                    )
                    for f in feedback_rows[:15]
                ],
                percent=True,
            ),
            feedback_rows=feedback_rows,
        )

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="明白人助手: the trainers' review web console")
    parser.add_argument("--host", default=os.environ.get("REVIEW_HOST", "0.0.0.0"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("REVIEW_PORT", 8000)))
    parser.add_argument("--log-db", help="query log (default var/querylog.db or QUERY_LOG_DB)")
    parser.add_argument("--review-db", help="review database (default var/review.db or REVIEW_DB)")
    parser.add_argument("--knowledge-dir", help="knowledge folder (default knowledge/ or KNOWLEDGE_DIR)")
    parser.add_argument(
        "--secure-cookies",
        action="store_true",
        default=os.environ.get("REVIEW_SECURE_COOKIES", "") not in ("", "0", "false"),
        help="mark cookies Secure (when served over HTTPS; or REVIEW_SECURE_COOKIES=1)",
    )
    args = parser.parse_args(argv)
    app = create_app(args.log_db, args.review_db, args.knowledge_dir, args.secure_cookies)
    # One worker: sessions and the login throttle live in this process's memory.
    app.run(host=args.host, port=args.port, workers=1, access_log=False, motd=False)


if __name__ == "__main__":
    main()
