"""The review web console in-process (Sanic's ASGI test client, no port bound), on temporary
databases and a temporary copy of knowledge/: login and throttling, CSRF, roles, the inbox
actions with undo, hand-offs, statistics, CSV exports and escaping of logged texts."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from sanic_testing.testing import SanicASGITestClient

from bot import paths
from bot.querylog.store import HANDOFFS, QueryLog
from bot.review import console
from bot.review.console import create_app, csv_cell
from bot.review.store import ReviewStore

pytestmark = pytest.mark.asyncio

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
FORMULA = '=HYPERLINK("http://evil.example")'
PASSWORD = "correct horse battery"
LEADER = '<p class="leader">宅基地能继承吗</p>'


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def env(tmp_path):
    log_path, review_db = tmp_path / "log.db", tmp_path / "review.db"
    knowledge = tmp_path / "knowledge"
    shutil.copytree(paths.knowledge_dir(), knowledge)
    (tmp_path / "root" / "data" / "nlu").mkdir(parents=True)
    log = QueryLog(log_path)

    def message(text, outcome="fallback", day="10", **extra):
        row = {"ts": f"2026-11-{day}T08:00:00.000+00:00", "channel": "web", "sender": "s1", "role": "herder"}
        return log.insert_message({**row, "text": text, "outcome": outcome, **extra})

    guess = json.dumps([{"id": "HS06", "confidence": 0.3}])
    message("宅基地能继承吗", guesses=guess)
    message("宅基地可以继承吗？", outcome="suggested", day="11", guesses=guess)
    message(SCRIPT)
    message(IMG, day="12", channel="wechat")
    message(FORMULA)
    message("草场被污染了找谁赔", outcome="answered", answer_id="GL01", feedback="not_useful")
    message("养老诈骗有哪些", outcome="answered", answer_id="EF01", feedback="useful", day="11")
    message("刚被骗转了两万块", outcome="emergency", answer_id="EF02", day="12")
    handoff_id = log.add_handoff(
        {
            "channel": "web",
            "sender": "s1",
            "role": "herder",
            "village": SCRIPT,
            "phone": "13812345678",
            "question": IMG,
            "conversation": [SCRIPT, "想找律师"],
        }
    )
    log.close()
    store = ReviewStore(review_db)
    store.add_user("trainer1", "trainer", PASSWORD)
    store.add_user("mingbai", "understander", PASSWORD)
    store.close()
    clock = Clock()
    app = create_app(log_path, review_db, knowledge, root=tmp_path / "root", clock=clock)
    return {"app": app, "clock": clock, "knowledge": knowledge, "handoff": handoff_id, "tmp": tmp_path}


def client(app) -> SanicASGITestClient:
    """A separate browser (own cookie jar)."""
    return SanicASGITestClient(app)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def login_attempt(browser, name, password):
    _, page = await browser.get("/login")
    return (
        await browser.post("/login", data={"csrf": csrf_of(page.text), "name": name, "password": password})
    )[1]


async def logged_in(app, name="trainer1"):
    browser = client(app)
    response = await login_attempt(browser, name, PASSWORD)
    assert response.status == 303
    _, page = await browser.get("/handoffs")
    browser.csrf = csrf_of(page.text)
    return browser


def group_ids(app, leader_text):
    for group in app.ctx.review.inbox():
        if group.leader["text"] == leader_text:
            return ",".join(map(str, group.ids))
    return None


async def test_every_route_needs_a_login(env):
    browser = client(env["app"])
    for path in ("/", "/actions", "/backlog", "/handoffs", "/stats", "/?q=宅基地"):
        _, response = await browser.get(path)
        assert response.status == 302 and response.headers["location"] == "/login", path
    for path in ("/inbox.csv", "/handoffs.csv", "/actions.csv", "/backlog.csv"):
        _, response = await browser.get(path)
        assert response.status == 401, path
    for path in ("/act", "/undo", f"/handoffs/{env['handoff']}", "/logout"):
        _, response = await browser.post(path, data={"csrf": "x"})
        assert response.status == 401, path


async def test_login_wrong_then_right_then_logout(env):
    browser = client(env["app"])
    _, page = await browser.get("/login")
    assert page.status == 200 and 'name="password"' in page.text
    wrong = await login_attempt(browser, "trainer1", "not the password")
    assert wrong.status == 401 and "用户名或密码不对" in wrong.text
    right = await login_attempt(browser, "trainer1", PASSWORD)
    assert right.status == 303 and right.headers["location"] == "/"
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    _, inbox = await browser.get("/")
    assert inbox.status == 200 and "宅基地能继承吗" in inbox.text
    _, out = await browser.post("/logout", data={"csrf": csrf_of(inbox.text)})
    assert out.status == 303
    _, again = await browser.get("/")
    assert again.status == 302


async def test_sessions_expire_after_eight_idle_hours(env):
    browser = await logged_in(env["app"])
    env["clock"].now += 7 * 3600
    assert (await browser.get("/"))[1].status == 200  # activity keeps the session alive
    env["clock"].now += 8 * 3600 + 1
    assert (await browser.get("/"))[1].status == 302


async def test_repeated_failures_lock_the_name_for_growing_delays(env):
    browser, clock = client(env["app"]), env["clock"]
    for _ in range(3):
        assert (await login_attempt(browser, "trainer1", "wrong password")).status == 401
    locked = await login_attempt(browser, "trainer1", PASSWORD)  # even the right password waits
    assert locked.status == 429 and locked.headers["retry-after"] == "2"
    clock.now += 2.5
    assert (await login_attempt(browser, "trainer1", "wrong password")).status == 401
    clock.now += 3
    locked = await login_attempt(browser, "trainer1", PASSWORD)
    assert locked.status == 429 and locked.headers["retry-after"] == "1"  # 4 s lock, 3 s gone
    clock.now += 1.5
    assert (await login_attempt(browser, "trainer1", PASSWORD)).status == 303


async def test_failures_from_one_address_lock_other_names_too(env):
    browser = client(env["app"])
    for name in ("a1", "a2", "a3"):
        assert (await login_attempt(browser, name, "wrong password")).status == 401
    assert (await login_attempt(browser, "mingbai", PASSWORD)).status == 429


async def test_delays_are_capped_and_old_failures_forgotten():
    clock = Clock()
    throttle = console.Throttle(clock)
    for _ in range(20):
        throttle.fail(["name:x"])
    assert throttle.wait(["name:x"]) == console.MAX_DELAY_SECONDS
    clock.now += 16 * 60
    assert throttle.wait(["name:x"]) == 0
    throttle.fail(["name:x"])
    assert throttle.wait(["name:x"]) == 0  # the old failures fell out of the window


async def test_posts_without_the_right_csrf_token_are_refused(env):
    app = env["app"]
    browser = await logged_in(app)
    ids = group_ids(app, "宅基地能继承吗")
    form = {"ids": ids, "kind": "spam", "text": "x"}
    assert (await browser.post("/act", data=form))[1].status == 403
    assert (await browser.post("/act", data={**form, "csrf": "forged"}))[1].status == 403
    assert (await browser.post("/undo", data={"action_id": "1"}))[1].status == 403
    assert (await browser.post(f"/handoffs/{env['handoff']}", data={"status": "closed"}))[1].status == 403
    assert group_ids(app, "宅基地能继承吗") == ids  # nothing happened
    # The login form has its own token, bound to a cookie.
    fresh = client(app)
    response = (await fresh.post("/login", data={"name": "trainer1", "password": PASSWORD}))[1]
    assert response.status == 403


async def test_understanders_see_only_the_handoff_queue(env):
    browser = client(env["app"])
    response = await login_attempt(browser, "mingbai", PASSWORD)
    assert response.status == 303 and response.headers["location"] == "/handoffs"
    _, page = await browser.get("/handoffs")
    assert page.status == 200 and "13812345678" in page.text
    assert 'href="/stats"' not in page.text
    for path in ("/", "/stats", "/actions", "/backlog", "/inbox.csv", "/actions.csv"):
        assert (await browser.get(path))[1].status == 403, path
    assert (await browser.get("/handoffs.csv"))[1].status == 200
    form = {"csrf": csrf_of(page.text), "ids": "1", "kind": "spam"}
    assert (await browser.post("/act", data=form))[1].status == 403


async def test_assigning_a_group_writes_the_entry_and_undo_brings_it_back(env):
    app = env["app"]
    browser = await logged_in(app)
    ids = group_ids(app, "宅基地能继承吗")
    assert ids and "," in ids  # both wordings are one group
    _, inbox = await browser.get("/")
    assert "HS06" in inbox.text and "父母留下的房子" in inbox.text  # the guess with its title
    entry = env["knowledge"] / "entries" / "HS06.yml"
    before = entry.read_text(encoding="utf-8")
    form = {"csrf": browser.csrf, "ids": ids, "kind": "assign", "entry_id": "HS06", "text": "宅基地能继承吗"}
    _, done = await browser.post("/act", data=form)
    assert done.status == 303
    assert yaml.safe_load(entry.read_text(encoding="utf-8"))["questions"]["from_log"] == ["宅基地能继承吗"]
    _, inbox = await browser.get("/")
    assert LEADER not in inbox.text
    assert (await browser.post("/act", data=form))[1].status == 409  # already dealt with
    _, actions = await browser.get("/actions")
    assert "trainer1" in actions.text and "归入条目" in actions.text
    action_id = re.search(r'name="action_id" value="(\d+)"', actions.text).group(1)
    _, undone = await browser.post("/undo", data={"csrf": browser.csrf, "action_id": action_id})
    assert undone.status == 303
    assert entry.read_text(encoding="utf-8") == before
    _, inbox = await browser.get("/")
    assert LEADER in inbox.text
    assert (await browser.post("/undo", data={"csrf": browser.csrf, "action_id": action_id}))[1].status == 409
    assert (await browser.post("/undo", data={"csrf": browser.csrf, "action_id": "999"}))[1].status == 404


async def test_bad_actions_are_clear_errors(env):
    app = env["app"]
    browser = await logged_in(app)
    ids = group_ids(app, "宅基地能继承吗")
    base = {"csrf": browser.csrf, "ids": ids}
    assert (await browser.post("/act", data={**base, "kind": "assign"}))[1].status == 400
    assert (await browser.post("/act", data={**base, "kind": "assign", "entry_id": "../x"}))[1].status == 400
    assert (await browser.post("/act", data={**base, "kind": "delete"}))[1].status == 400
    assert (await browser.post("/act", data={**base, "ids": "1;drop", "kind": "spam"}))[1].status == 400


async def test_search_filters_the_inbox(env):
    browser = await logged_in(env["app"])
    _, page = await browser.get("/", params={"q": "宅基地"})
    assert "宅基地能继承吗" in page.text and SCRIPT_ESCAPED not in page.text


async def test_handoff_update_records_the_handler(env):
    app, handoff = env["app"], env["handoff"]
    browser = await logged_in(app, "mingbai")
    form = {"csrf": browser.csrf, "status": "contacted", "notes": "已电话联系"}
    assert (await browser.post(f"/handoffs/{handoff}", data=form))[1].status == 303
    row = app.ctx.log.db[HANDOFFS].get(handoff)
    assert (row["status"], row["handler"], row["notes"]) == ("contacted", "mingbai", "已电话联系")
    assert (await browser.post(f"/handoffs/{handoff}", data={**form, "status": "gone"}))[1].status == 400
    assert (await browser.post("/handoffs/999", data=form))[1].status == 404
    _, page = await browser.get("/handoffs")
    assert "已电话联系" in page.text and "处理人：mingbai" in page.text


async def test_stats_draw_accessible_svg_charts(env):
    browser = await logged_in(env["app"])
    _, page = await browser.get("/stats")
    assert page.status == 200
    assert page.text.count("<svg") == 4
    assert "<title>11-10" not in page.text  # titles carry the full date
    assert "<title>2026-11-10 web：" in page.text and "<title>2026-11-12 紧急：" in page.text
    assert page.text.index("<td>GL01</td>") < page.text.index("<td>EF01</td>")  # unhelpful first
    assert "<script" not in page.text


async def test_csv_exports_have_a_bom_and_guard_formulas(env):
    app = env["app"]
    browser = await logged_in(app)
    await browser.post(
        f"/handoffs/{env['handoff']}", data={"csrf": browser.csrf, "status": "closed", "notes": "@SUM(A1)"}
    )
    await browser.post(
        "/act",
        data={"csrf": browser.csrf, "ids": group_ids(app, FORMULA), "kind": "new_entry", "text": FORMULA},
    )
    for path in ("/inbox.csv", "/handoffs.csv", "/actions.csv", "/backlog.csv"):
        _, response = await browser.get(path)
        assert response.status == 200, path
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert response.body.startswith(b"\xef\xbb\xbf"), path
    handoffs = (await browser.get("/handoffs.csv"))[1].body.decode("utf-8-sig")
    assert "13812345678" in handoffs and "'@SUM(A1)" in handoffs and "trainer1" in handoffs
    backlog = (await browser.get("/backlog.csv"))[1].body.decode("utf-8-sig")
    assert "'=HYPERLINK" in backlog and "\n=" not in backlog and ",=" not in backlog
    inbox = (await browser.get("/inbox.csv"))[1].body.decode("utf-8-sig")
    assert "宅基地能继承吗" in inbox and SCRIPT in inbox  # CSV is data, not HTML
    assert [csv_cell(v) for v in ("=1", "+1", "-1", "@a", "ok", 3, None)] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "ok",
        3,
        "",
    ]


async def test_logged_texts_are_escaped_on_every_page(env):
    app = env["app"]
    browser = await logged_in(app)
    await browser.post(
        "/act",
        data={"csrf": browser.csrf, "ids": group_ids(app, SCRIPT), "kind": "new_entry", "text": SCRIPT},
    )
    pages = {path: (await browser.get(path))[1].text for path in ("/", "/handoffs", "/actions", "/backlog")}
    assert (
        IMG_ESCAPED in pages["/"]
        and SCRIPT_ESCAPED in pages["/handoffs"]
        and IMG_ESCAPED in pages["/handoffs"]
    )
    assert SCRIPT_ESCAPED in pages["/actions"] and SCRIPT_ESCAPED in pages["/backlog"]
    for path, text in pages.items():
        assert SCRIPT not in text and IMG not in text and "<img" not in text, path
    failed = await login_attempt(client(app), SCRIPT, "wrong password")
    assert SCRIPT not in failed.text and SCRIPT_ESCAPED in failed.text
    _, page = await browser.get("/", params={"q": SCRIPT})
    assert SCRIPT not in page.text


async def test_pages_send_security_headers(env):
    browser = await logged_in(env["app"])
    _, page = await browser.get("/")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"


async def test_secure_cookies_when_asked(tmp_path):
    store = ReviewStore(tmp_path / "review.db")
    store.add_user("t", "trainer", PASSWORD)
    store.close()
    app = create_app(tmp_path / "log.db", tmp_path / "review.db", secure_cookies=True)
    _, page = await client(app).get("/login")
    assert "secure" in page.headers["set-cookie"].lower()


async def test_out_of_scope_and_spam_leave_the_inbox(env):
    app = env["app"]
    browser = await logged_in(app)
    form = {
        "csrf": browser.csrf,
        "ids": group_ids(app, IMG),
        "kind": "out_of_scope",
        "text": "驾照到期了在哪换",
    }
    assert (await browser.post("/act", data=form))[1].status == 303
    examples = (env["tmp"] / "root" / "data" / "nlu" / "from_log_out_of_scope.yml").read_text(
        encoding="utf-8"
    )
    assert "驾照到期了在哪换" in examples
    form = {"csrf": browser.csrf, "ids": group_ids(app, SCRIPT), "kind": "spam", "text": SCRIPT}
    assert (await browser.post("/act", data=form))[1].status == 303
    assert group_ids(app, IMG) is None and group_ids(app, SCRIPT) is None
    _, backlog = await browser.get("/backlog")
    assert SCRIPT_ESCAPED not in backlog.text  # spam is not a content request
