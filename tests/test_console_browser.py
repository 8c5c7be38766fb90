"""The review console in headless Chromium: log in, review a group, see the stats charts."""

from __future__ import annotations

import shutil

import pytest
import yaml

from bot import paths
from bot.querylog.store import QueryLog
from bot.review.console import create_app
from bot.review.store import ReviewStore
from tests.sanic_thread import serve_in_thread
from tests.test_web_page import CHROMIUM, SHOTS


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console")
    knowledge = tmp / "knowledge"
    shutil.copytree(paths.knowledge_dir(), knowledge)
    log = QueryLog(tmp / "log.db")
    for text in ("工地老板拖欠工钱不给怎么办", "工地老板欠我工钱不给咋办", "阿爸没了，他那套土坯房谁来接"):
        log.insert_message({"channel": "web", "sender": "s1", "text": text, "outcome": "fallback"})
    log.insert_message(
        {"channel": "rest", "sender": "s2", "text": "宅基地归谁", "outcome": "answered", "answer_id": "HS01"}
    )
    log.close()
    ReviewStore(tmp / "review.db").add_user("trainer1", "trainer", "a-good-password")
    # the app opens its SQLite files in the thread that serves it
    port = serve_in_thread(lambda: create_app(tmp / "log.db", tmp / "review.db", knowledge, root=tmp))
    return f"http://127.0.0.1:{port}", knowledge


def test_log_in_review_a_group_and_see_the_stats(console):
    url, knowledge = console
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(f"{url}/")
        assert "/login" in page.url
        page.fill("input[name=name]", "trainer1")
        page.fill("input[name=password]", "a-good-password")
        with page.expect_navigation():
            page.locator("form[action='/login'] button").first.click()
        assert "土坯房" in page.content(), page.inner_text("body")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "console-inbox.png"), full_page=True)
        form = page.locator("form[action='/act']").filter(has=page.locator("input[value*='土坯房']"))
        form.locator("select[name=entry_id]").select_option("HS06")
        with page.expect_navigation():
            form.locator("button[value=assign]").click()
        assert page.locator("form[action='/act'] input[value*='土坯房']").count() == 0
        data = yaml.safe_load((knowledge / "entries" / "HS06.yml").read_text(encoding="utf-8"))
        assert "阿爸没了，他那套土坯房谁来接" in data["questions"]["from_log"]
        page.goto(f"{url}/stats")
        assert page.locator("svg").count() >= 3 and page.locator("svg rect").count() >= 1
        page.screenshot(path=str(SHOTS / "console-stats.png"), full_page=True)
        browser.close()
