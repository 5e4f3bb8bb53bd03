"""`schoolbot sandbox` in a real browser (the system's headless Chromium, driven by Playwright): a parent opens the
diary and taps the next day, the message changes in place; a teacher, side by side, saves a mark for the parent's
child; the parent's push arrives live. Then Ctrl-C (SIGINT) stops the sandbox cleanly.

Skipped without /usr/bin/chromium (Debian: apt-get install chromium chromium-driver; .ci/run installs it as root).
No browser is downloaded: Playwright launches the system's.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium (apt-get install chromium chromium-driver)"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY = re.compile(r"open (http://127\.0\.0\.1:\d+)/")
WAIT_MS = 45_000  # a loaded machine: the first tap links the person (a code, /start, the consent)
PUSH_WAIT_MS = 45_000  # a push may wait out the gathering window (PUSH_GATHER_SECONDS, 15 s) after the diary's replies


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """`schoolbot sandbox --port 0` as a person runs it; its page's address and people. Stopped with SIGINT."""
    folder = tmp_path_factory.mktemp("sandbox")
    command = [str(Path(sys.executable).with_name("schoolbot")), "sandbox", "--port", "0", "--data", str(folder)]
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "BOT_TOKEN")}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=folder, env=env
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    seen: list[str] = []
    url = None
    try:
        while url is None:
            line = lines.get(timeout=120)
            seen.append(line)
            if found := READY.search(line):
                url = found.group(1)
    except queue.Empty:
        process.kill()
        pytest.fail("the sandbox did not start in 2 minutes:\n" + "".join(seen))
    with urllib.request.urlopen(url + "/sandbox/web/people") as answer:
        people = {p["key"]: p for p in json.load(answer)["people"]}
    yield url, people
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0, "".join(seen)


@pytest.fixture
def browser_page(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a new --user-data-dir
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1440, "height": 900},
            locale="ru-RU",
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def screenshot(page, name: str) -> None:
    folder = Path(os.environ.get("SANDBOX_SCREENSHOTS", "") or Path(__file__).parent / ".." / ".pytest_cache")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"sandbox-{name}.png"))


def test_the_parent_sees_the_teachers_mark_arrive_while_the_diary_is_open(sandbox, browser_page):
    try:
        walk(browser_page, *sandbox)
    except BaseException:
        screenshot(browser_page, "failed")  # to look at what the page showed
        raise


def walk(page, url: str, people: dict) -> None:
    from playwright.sync_api import expect

    page.goto(url + "/?lang=ru#parent,teacher")
    parent = page.locator('.pane[data-person="parent"]')
    teacher = page.locator('.pane[data-person="teacher"]')

    # The parent opens the diary from the reply keyboard, then taps the next day: the same message changes.
    parent.locator(".reply-keyboard button", has_text="Дневник").click(timeout=WAIT_MS)
    diary = parent.locator(".msg.in", has_text="Дневник:").last
    expect(diary).to_contain_text("сегодня", timeout=WAIT_MS)
    diary_id = diary.get_attribute("data-id")
    next_day = diary.locator("button.inline", has_text=re.compile(r"[^▶]▶$"))
    next_label = next_day.inner_text()  # «сб, 5 дек. ▶»: the day the diary shows next
    next_day.click()
    same = parent.locator(f'.msg[data-id="{diary_id}"]')
    expect(same.locator(".edited")).to_be_visible(timeout=WAIT_MS)
    expect(same).not_to_contain_text("сегодня")
    expect(same.locator("button.inline", has_text=next_label.removesuffix(" ▶"))).to_have_count(0)

    # The teacher finds a lesson of the child's class, going back a day at a time (a weekend has none).
    class_name = people["student"]["note"]
    subject = people["teacher"]["note"].split(",")[0]
    child_last_name = people["student"]["name"].split()[-1]
    teacher.locator(".reply-keyboard button", has_text="Уроки").click(timeout=WAIT_MS)
    lessons = teacher.locator(".msg.in", has_text="Уроки:").last
    expect(lessons).to_be_visible(timeout=WAIT_MS)
    slot = lessons.locator("button.inline", has_text=f"{class_name}, {subject}")
    for _ in range(10):
        if slot.count():
            break
        header = lessons.locator("b").first.inner_text()
        lessons.locator("button.inline", has_text=re.compile(r"^◀$")).click()
        expect(lessons.locator("b").first).not_to_have_text(header, timeout=WAIT_MS)
    slot.first.click()
    card = teacher.locator(".msg.in").last
    card.locator("button.inline", has_text="Оценки").click(timeout=WAIT_MS)
    card.locator("button.inline", has_text="Ответ на уроке").click(timeout=WAIT_MS)
    card.locator("button.inline", has_text=child_last_name).first.click(timeout=WAIT_MS)
    card.locator("button.inline", has_text=re.compile(r"^5$")).click(timeout=WAIT_MS)
    pushes_before = parent.locator(".msg.in").count()
    screenshot(page, "before-save")
    card.locator("button.inline", has_text="Сохранить").click(timeout=WAIT_MS)
    expect(teacher.locator(".toast")).to_contain_text("Сохранен", timeout=WAIT_MS)

    # The parent's push arrives in the open page, with no reload.
    expect(parent.locator(".msg.in")).to_have_count(pushes_before + 1, timeout=PUSH_WAIT_MS)
    push = parent.locator(".msg.in").last
    expect(push).to_contain_text(subject)
    expect(push).to_contain_text("5")
    screenshot(page, "push")
