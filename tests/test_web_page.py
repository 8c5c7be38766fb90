"""The chat page and the handbook in a real headless Chromium (Debian's ``chromium``, driven by
Playwright without downloading a browser), against the running assistant. Screenshots of the
main states go to var/results/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from bot import paths
from tests.test_server import wait_for_rows

pytestmark = pytest.mark.server

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = paths.var_dir() / "results" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, assistant, request):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    tab = context.new_page()
    tab.errors = []
    tab.on("pageerror", lambda exc: tab.errors.append(str(exc)))
    tab.goto(f"{assistant.url}/chat")
    yield tab
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def send(page, text: str) -> None:
    before = page.locator(".msg.bot").count()
    page.fill("#message", text)
    page.click("#send")
    wait_for_bot(page, before)


def wait_for_bot(page, before: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.msg.bot').length > n && !document.querySelector('.typing:not([hidden])')",
        arg=before,
        timeout=15000,
    )


def last_bot_text(page) -> str:
    """The texts of the bot bubbles after the last user message."""
    return page.evaluate(
        """() => {
            const all = [...document.querySelectorAll('.msg')];
            const i = all.map(m => m.classList.contains('user')).lastIndexOf(true);
            return all.slice(i + 1).map(m => m.innerText).join('\\n');
        }"""
    )


def test_first_screen_at_phone_and_desktop_sizes(page, assistant):
    assert page.locator(".topic").count() >= 4 and page.locator(".example").count() >= 1
    for size, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(size)
        # one column, nothing wider than the screen, large body text
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        assert float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")) >= 18
        shot(page, f"first-screen-{name}")
    sizes = [page.locator(sel).first.bounding_box()["height"] for sel in (".topic", "#send")]
    assert min(sizes) >= 44
    assert page.errors == []


def test_typing_a_question_shows_the_answer_with_the_basis_folded(page, kb):
    send(page, "宅基地归谁所有")
    assert kb.entries["HS01"].answer[:20] in last_bot_text(page)
    basis = page.locator("details.basis").last
    assert basis.is_visible() and not basis.evaluate("d => d.open")
    basis.locator("summary").click()
    assert "宅基地使用权人依法对集体所有的土地享有占有和使用的权利" in basis.inner_text()
    shot(page, "answer-basis-open")


def test_topic_button_then_a_numbered_option(page):
    before = page.locator(".msg.bot").count()
    page.locator(".topic", has_text="草场").first.click()
    wait_for_bot(page, before)
    options = page.locator(".msg.bot").last.locator(".option")
    assert options.count() >= 3
    shot(page, "topic-options")
    before = page.locator(".msg.bot").count()
    options.first.click()
    wait_for_bot(page, before)
    assert "依据" in last_bot_text(page) or page.locator("details.basis").count() >= 1


def test_feedback_buttons_are_recorded_against_the_answer(page, assistant):
    send(page, "草场承包期是多少年")
    before = page.locator(".msg.bot").count()
    page.locator(".feedback", has_text="没用").last.click()
    wait_for_bot(page, before)
    assert (
        "谢谢" in page.locator(".msg.bot").nth(before - 1).inner_text()
        or page.locator(".feedback[disabled]").count()
    )

    def recorded(rows, _):
        return any(
            r["feedback"] == "not_useful" and r["answer_id"] == "GL02" and r["channel"] == "web" for r in rows
        )

    rows, _ = wait_for_rows(assistant.db_path, recorded)
    assert recorded(rows, None)


def test_understander_mode_gets_the_scripted_reply(browser, assistant):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    tab = context.new_page()
    tab.goto(f"{assistant.url}/chat?role=understander")
    assert tab.locator("#role-toggle").is_checked()
    send(tab, "宅基地能卖给城里人吗")
    text = tab.locator(".msg.bot").all_inner_texts()
    joined = "\n".join(text)
    for section in ("【法律依据】", "【朗读稿】", "【问一句】", "【要带的材料】", "【去哪办】"):
        assert section in joined
    shot(tab, "understander")
    context.close()


def test_the_conversation_survives_a_reload_and_restart_clears_it(page):
    send(page, "宅基地能抵押贷款吗")
    count = page.locator(".msg").count()
    page.reload()
    assert (
        page.locator(".msg").count() == count
        and "宅基地能抵押贷款吗" in page.locator(".msg.user").last.inner_text()
    )
    page.click("#restart")
    assert page.locator(".msg.user").count() == 0


def test_unreachable_server_says_so_and_resend_keeps_the_text(page):
    page.route("**/chat/webhook", lambda route: route.abort("connectionrefused"))
    page.fill("#message", "草场被邻居占了怎么办")
    page.click("#send")
    page.wait_for_selector(".error", state="visible", timeout=15000)
    assert "连不上" in page.locator(".error").last.inner_text()
    shot(page, "server-unreachable")
    page.unroute("**/chat/webhook")
    before = page.locator(".msg.bot").count()
    page.locator(".resend").last.click()
    wait_for_bot(page, before)
    assert "草场被邻居占了怎么办" in "\n".join(page.locator(".msg.user").all_inner_texts())


def test_markup_from_users_or_the_server_never_runs(page):
    page.evaluate("window.__pwned = 0")
    for payload in ("<script>window.__pwned = 1</script>", '<img src=x onerror="window.__pwned = 2">'):
        send(page, payload)
    time.sleep(0.5)
    assert page.evaluate("window.__pwned") == 0
    assert page.locator(".msg img, .msg script").count() == 0
    assert "<img src=x" in "\n".join(page.locator(".msg.user").all_inner_texts())


def test_an_emergency_is_unmistakable_with_tap_to_call(page):
    send(page, "我刚给冒充公安的人转了两万块，他还让我再转")
    bubble = page.locator(".msg.bot.emergency").last
    assert bubble.is_visible()
    assert page.locator('.msg.bot a[href="tel:110"]').count() >= 1
    shot(page, "emergency")


def test_handbook_index_entry_and_print_stylesheet(browser, assistant, kb):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    tab = context.new_page()
    tab.goto(f"{assistant.url}/handbook")
    assert tab.locator("a[href^='/handbook/']").count() >= len(kb.entries)
    tab.goto(f"{assistant.url}/handbook/GL02")
    assert kb.entries["GL02"].answer in tab.inner_text("body")
    tab.goto(f"{assistant.url}/handbook/all")
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.emulate_media(media="print")
    assert tab.locator("nav").first.is_hidden()
    pdf = tab.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and pdf.count(b"/Type /Page") >= len(kb.entries)
    (SHOTS / "handbook.pdf").write_bytes(pdf)
    context.close()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b'{"sender": "", "message": "hi"}', 400),
        (b'{"sender": "w", "message": ""}', 400),
        ('{"sender": "w", "message": "%s"}' % ("宅" * 2001), 400),
    ],
    ids=["not-json", "no-sender", "empty", "too-long"],
)
def test_the_endpoint_refuses_bad_requests_clearly(assistant, body, status):
    import urllib.error
    import urllib.request

    data = body if isinstance(body, bytes) else body.encode()
    request = urllib.request.Request(f"{assistant.url}/chat/webhook", data=data, method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == status and b"error" in caught.value.read()


@pytest.mark.parametrize(
    "path", ["/chat/static/..%2Fchannels%2Fweb.py", "/chat/static/missing.js", "/handbook/XX99"]
)
def test_nothing_else_is_served(assistant, path):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{assistant.url}{path}")
    assert caught.value.code == 404


def test_handbook_escapes_what_it_shows(kb, corpus):
    from bot.handbook import entry_section

    entry = kb.entries["HS01"].copy(update={"title": "<script>alert(1)</script>"})
    html = entry_section(entry, corpus)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_typing_indicator_while_waiting_and_no_speak_button_without_a_chinese_voice(page):
    def slow(route):
        time.sleep(1.0)
        route.continue_()

    page.route("**/chat/webhook", slow)
    before = page.locator(".msg.bot").count()
    page.fill("#message", "宅基地能继承吗")
    page.click("#send")
    page.wait_for_selector(".typing", state="visible", timeout=5000)
    wait_for_bot(page, before)
    # headless Chromium has no speech voices: the 朗读 button must not be offered
    has_zh_voice = page.evaluate(
        "'speechSynthesis' in window && speechSynthesis.getVoices().some(v => v.lang.startsWith('zh'))"
    )
    assert page.locator(".speak:visible").count() == (page.locator(".speak").count() if has_zh_voice else 0)
