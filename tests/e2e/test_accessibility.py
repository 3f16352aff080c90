"""Accessibility of every published page (each report and the index), in Debian's Chromium, offline.

axe-core (shipped inside ``axe-playwright-python``, nothing downloaded) checks the WCAG 2.1 A
and AA rules; the other tests check what axe cannot see: headings in order, alternative texts
that say more than the figure's title, tables with captions and header scopes, figures sharp
when printed or zoomed to 200%, the navigation reachable with the keyboard and hidden in
print. The same run takes the README's screenshots (saved into ``docs/img`` only with
``PALESTRE_SCREENSHOTS=1``, so that CI leaves the checkout clean).

Every page is opened once (:func:`audits`); each test then reads what its page gave.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from palestre_analysis import config

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: The README's screenshots: the top of a province's report and of the index, small enough to commit.
SCREENSHOTS = {"report.png": "brescia/02_risorse_esigenze.html", "index.png": "index.html"}
SCREEN = {"width": 1200, "height": 900}
MAX_SCREENSHOT_BYTES = 200_000
#: A sharp figure has about two image pixels for each CSS pixel it takes (1.9: 182 dpi on paper).
MIN_PIXELS_PER_CSS_PIXEL = 1.9
#: The layouts where that counts. At 200% zoom the 1200-pixel window lays the page out 600 CSS
#: pixels wide, two screen pixels each; on A4 the page is 180 mm between its margins, 680 CSS
#: pixels at 96 per inch, in print media. (At 100% zoom one image pixel per screen pixel would do.)
SHARP_LAYOUTS = {
    "200%": {"viewport": {"width": 600, "height": 450}, "device_scale_factor": 2, "media": "screen"},
    "A4": {"viewport": {"width": 680, "height": 962}, "device_scale_factor": 1, "media": "print"},
}

_PAGE_FACTS = """() => {
  const text = e => (e.textContent || "").replace(/\\s+/g, " ").trim();
  return {
    headings: [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(h => [Number(h.tagName[1]), text(h)]),
    images: [...document.querySelectorAll("img")].map(i => {
      const figure = i.closest("figure");
      const caption = figure && figure.querySelector("figcaption");
      return {alt: i.getAttribute("alt"), caption: caption ? text(caption) : null, natural: i.naturalWidth,
              shown: i.getBoundingClientRect().width};
    }),
    tables: [...document.querySelectorAll("table")].map(t => {
      const figure = t.closest("figure");
      const caption = t.querySelector(":scope > caption");
      const figcaption = figure && figure.querySelector(":scope > figcaption");
      return {caption: caption ? text(caption) : (figcaption ? text(figcaption) : ""),
              unscoped: [...t.querySelectorAll("th")].filter(th => !th.getAttribute("scope")).map(text).slice(0, 3),
              headers: t.querySelectorAll("th").length};
    }),
    // The header's links: those of the <nav>s of the <header> that holds the first <nav> (or of that <nav>).
    navLinks: (() => {
      const nav = document.querySelector("nav");
      const header = nav && nav.closest("header");
      const links = header ? header.querySelectorAll("nav a[href]") : nav ? nav.querySelectorAll("a[href]") : [];
      return [...links].map(a => a.getAttribute("href"));
    })(),
  };
}"""

_IMAGE_SIZES = """() => [...document.querySelectorAll("img")].map(i =>
  ({alt: i.getAttribute("alt"), natural: i.naturalWidth, shown: i.getBoundingClientRect().width}))"""

_FOCUSED = """() => {
  const e = document.activeElement;
  return e ? {tag: e.tagName, inNav: !!e.closest("nav"), href: e.getAttribute("href")} : null;
}"""

_SHOWN_IN_PRINT = """() => [...document.querySelectorAll(".palestre-nav")]
  .filter(e => getComputedStyle(e).display !== "none").map(e => e.outerHTML.slice(0, 80))"""


@dataclass
class Audit:
    """What one page gave: axe's violations and the facts the other tests read."""

    name: str
    violations: list[dict] = field(default_factory=list)
    rules_run: int = 0
    rules_passed: int = 0
    facts: dict = field(default_factory=dict)
    tab_stops: list[dict] = field(default_factory=list)
    nav_in_print: list[str] = field(default_factory=list)
    nav_elements: int = 0
    #: Per layout of :data:`SHARP_LAYOUTS`, each image's natural width and shown width.
    image_sizes: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def is_report(self) -> bool:
        return self.name != "index.html"


def launch(playwright):
    """Debian's Chromium, headless and without a network: a missing browser fails the test (CI installs it)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


def offline_context(browser, problems: list[str], viewport: dict = SCREEN, device_scale_factor: int = 1):
    # No bypass_csp: the pages forbid every script, but Playwright's evaluate runs through the
    # DevTools protocol, which the page's Content-Security-Policy does not govern, so axe is
    # injected and runs on the page exactly as published (test_axe_really_ran checks it did).
    context = browser.new_context(offline=True, viewport=viewport, device_scale_factor=device_scale_factor)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("file:", "data:"))
            else (problems.append(f"network request: {route.request.url}"), route.abort())
        ),
    )
    return context


def audit_page(page, axe, path: Path, reports: Path) -> Audit:
    result = Audit(str(path.relative_to(reports)))
    page.goto(path.as_uri(), wait_until="load")
    response = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}}).response
    result.violations = response["violations"]
    result.rules_passed = len(response["passes"])
    result.rules_run = sum(len(response[kind]) for kind in ("passes", "violations", "incomplete", "inapplicable"))
    result.facts = page.evaluate(_PAGE_FACTS)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(len(result.facts["navLinks"]) + 1):  # one more: a skip link may come first
        page.keyboard.press("Tab")
        result.tab_stops.append(page.evaluate(_FOCUSED))
    page.emulate_media(media="print")
    result.nav_elements = page.locator(".palestre-nav").count()
    result.nav_in_print = page.evaluate(_SHOWN_IN_PRINT)
    page.emulate_media(media="screen")
    return result


@pytest.fixture(scope="module")
def published(demo_batch) -> Path:
    out, _ = demo_batch
    return out / "reports"


@pytest.fixture(scope="module")
def audits(published) -> dict[str, Audit]:
    """Every page of the demo batch opened once in Chromium."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    pages = sorted(published.rglob("*.html"))
    assert (published / "index.html") in pages and len(pages) >= 28, [str(p) for p in pages]
    problems: list[str] = []
    found: dict[str, Audit] = {}
    axe = Axe()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = offline_context(browser, problems)
        for path in pages:
            page = context.new_page()
            page.on("pageerror", lambda error, p=path: problems.append(f"{p.name}: page error {error}"))
            found[str(path.relative_to(published))] = audit_page(page, axe, path, published)
            page.close()
        for layout, settings in SHARP_LAYOUTS.items():
            context = offline_context(browser, problems, settings["viewport"], settings["device_scale_factor"])
            page = context.new_page()
            page.emulate_media(media=settings["media"])
            for path in pages:
                page.goto(path.as_uri(), wait_until="load")
                found[str(path.relative_to(published))].image_sizes[layout] = page.evaluate(_IMAGE_SIZES)
            context.close()
        browser.close()
    assert not problems, "\n".join(problems)
    return found


@pytest.fixture(scope="module")
def screenshots(published, tmp_path_factory) -> Path:
    """The first screen of a province's report and of the index, 1200×900 at one pixel per CSS pixel."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("screenshots")
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = offline_context(browser, problems)
        for name, relative in SCREENSHOTS.items():
            page = context.new_page()
            page.goto((published / relative).as_uri(), wait_until="load")
            page.screenshot(path=folder / name, type="png", full_page=False)
            page.close()
        browser.close()
    assert not problems, "\n".join(problems)
    return folder


def pages_of(audits: dict[str, Audit]) -> list[Audit]:
    return list(audits.values())


def test_axe_really_ran_on_every_page(audits):
    """An empty list of violations means nothing if axe was blocked: every page ran its rules."""
    ran = {a.name: (a.rules_run, a.rules_passed) for a in pages_of(audits)}
    assert all(run >= 30 and passed >= 5 for run, passed in ran.values()), ran


def test_every_page_passes_wcag_21_a_and_aa_in_axe(audits):
    failures = []
    for audit in pages_of(audits):
        for violation in audit.violations:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            failures.append(
                f"{audit.name}: {violation['id']} ({violation['impact']}), {len(violation['nodes'])} nodes, "
                f"e.g. {targets}"
            )
    assert not failures, "axe violations (WCAG 2.1 A and AA):\n" + "\n".join(failures)


def test_headings_go_down_one_level_at_a_time_under_one_h1(audits):
    failures = []
    for audit in pages_of(audits):
        levels = [level for level, _ in audit.facts["headings"]]
        if levels.count(1) != 1 or levels[:1] != [1]:
            failures.append(f"{audit.name}: {levels.count(1)} h1, first heading h{levels[0] if levels else '-'}")
        for (before, _), (after, text) in zip(audit.facts["headings"], audit.facts["headings"][1:], strict=False):
            if after > before + 1:
                failures.append(f"{audit.name}: h{before} → h{after} «{text[:60]}»")
    assert not failures, "\n".join(failures)


def _words(text: str) -> str:
    """A text without its «Figura 3» label and punctuation, to compare an alternative text with a title."""
    text = re.sub(r"^\s*Figura(\s+\d+)?\s*[:.]?\s*", "", text or "")
    return " ".join(re.findall(r"\w+", text.lower()))


def test_every_figure_says_more_in_its_alt_text_than_its_title(audits):
    """The alternative text states the figure's main finding: it is longer than the caption's title, not a copy."""
    failures = []
    for audit in pages_of(audits):
        for image in audit.facts["images"]:
            alt, caption = image["alt"] or "", image["caption"]
            if not alt.strip():
                failures.append(f"{audit.name}: an image without alternative text")
            elif caption is None:
                failures.append(f"{audit.name}: «{alt[:60]}» is not in a <figure> with a <figcaption> title")
            elif len(_words(alt)) <= len(_words(caption)) or _words(alt) == _words(caption):
                failures.append(f"{audit.name}: the alt text only repeats the title «{caption[:60]}»")
    assert not failures, "\n".join(failures)


def test_every_figure_is_sharp_in_print_and_at_200_percent(audits):
    failures = [
        f"{audit.name} ({layout}): «{(image['alt'] or '')[:50]}» {image['natural']} px shown at {image['shown']:.0f}"
        for audit in pages_of(audits)
        for layout in SHARP_LAYOUTS
        for image in audit.image_sizes[layout]
        if image["shown"] and image["natural"] < MIN_PIXELS_PER_CSS_PIXEL * image["shown"]
    ]
    counts = {
        audit.name: [len(audit.facts["images"])] + [len(audit.image_sizes[layout]) for layout in SHARP_LAYOUTS]
        for audit in pages_of(audits)
    }
    assert all(len(set(found)) == 1 for found in counts.values()), f"a layout missed figures: {counts}"
    assert sum(found[0] for found in counts.values()) >= 40, counts
    assert not failures, "\n".join(failures)


def test_every_table_has_a_caption_and_every_header_a_scope(audits):
    failures = []
    for audit in pages_of(audits):
        for number, table in enumerate(audit.facts["tables"], start=1):
            if not table["caption"]:
                failures.append(f"{audit.name}: table {number} has no <caption> nor <figure> with <figcaption>")
            if table["unscoped"]:
                failures.append(
                    f"{audit.name}: table {number} «{table['caption'][:40]}»: <th> without scope, e.g. "
                    f"{table['unscoped']}"
                )
    assert not failures, "\n".join(failures)


def _skip_link(stop: dict | None) -> bool:
    """A «Vai al contenuto» link: a jump within the page, before the header (WCAG 2.4.1)."""
    return bool(stop) and stop["tag"] == "A" and not stop["inNav"] and (stop["href"] or "").startswith("#")


def test_the_navigation_is_the_first_thing_the_keyboard_reaches(audits):
    """From the top of a report, Tab walks the links of its <nav> header first, in order (after a skip link, if any)."""
    failures = []
    for audit in pages_of(audits):
        if not audit.is_report:
            continue
        expected = audit.facts["navLinks"]
        stops = audit.tab_stops[1:] if _skip_link(audit.tab_stops[0]) else audit.tab_stops
        first = stops[0] if stops else None
        if not first or first["tag"] != "A" or not first["inNav"]:
            failures.append(f"{audit.name}: the first Tab stop is {first}, not a link inside <nav>")
        elif [stop and stop["href"] for stop in stops[: len(expected)]] != expected:
            failures.append(f"{audit.name}: Tab does not walk the header's links {expected} in order: {stops}")
    assert not failures, "\n".join(failures)


def test_the_navigation_is_not_printed(audits):
    failures = []
    for audit in pages_of(audits):
        if audit.is_report and not audit.nav_elements:
            failures.append(f"{audit.name}: no .palestre-nav header")
        failures += [f"{audit.name}: printed {shown}" for shown in audit.nav_in_print]
    assert not failures, "\n".join(failures)


def test_the_screenshots_of_the_readme_are_small_pngs(screenshots):
    """Taken at every run; written into docs/img only when PALESTRE_SCREENSHOTS=1 (CI keeps the checkout clean)."""
    from PIL import Image

    shots = screenshots
    target = config.PROJECT_ROOT / "docs" / "img"
    for name in SCREENSHOTS:
        path = shots / name
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size == (SCREEN["width"], SCREEN["height"]), (name, image.size)
            assert len(image.convert("L").getcolors(256)) > 16, f"{name} is blank"
        assert 0 < path.stat().st_size < MAX_SCREENSHOT_BYTES, (name, path.stat().st_size)
        if os.environ.get("PALESTRE_SCREENSHOTS") == "1":
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / name)
