"""The demo edition's website in a real browser (Debian chromium + Python playwright).

Every page: no console errors, no failed requests, no broken images or links, ``lang="de"``,
the "Demodaten" banner, axe-core without serious or critical violations. Plus keyboard access
to the navigation, reading without JavaScript, the print stylesheet and the offline search.

axe-core comes from npm (``tests/browser/package.json``, installed with
``npm ci --prefix tests/browser``) and is injected from disk: nothing is downloaded at test time.
"""

from __future__ import annotations

import os

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def _missing(what: str):
    """Locally a missing browser or axe-core skips with a hint; in CI (CI=true) it fails."""
    if os.environ.get("CI"):
        pytest.fail(f"Browser-Tests nicht möglich: {what}")
    pytest.skip(f"Browser-Tests übersprungen: {what}")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _missing("/usr/bin/chromium fehlt (Debian-Paket chromium installieren)")
    playwright = pytest.importorskip("playwright.sync_api", reason="Python-Paket playwright fehlt.")
    with playwright.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(demo_book) -> Path:
    return Path(demo_book.out)


def _pages(out: Path) -> list[Path]:
    pages = [out / "index.html", *sorted((out / "report").glob("*.html"))]
    assert len(pages) >= 3, pages
    return pages


def _file_of(url: str) -> Path:
    return Path(unquote(urlparse(url).path))


@pytest.fixture(scope="module")
def visited(browser, site):
    """Open every page once; collect console errors, failed requests, links, ids and axe results."""
    if not AXE.is_file():
        _missing(f"axe-core fehlt ({AXE}); vorher ausführen: npm ci --prefix tests/browser")
    axe_source = AXE.read_text(encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    results = {}
    for path in _pages(site):
        page = context.new_page()
        errors: list[str] = []
        failed: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc, e=errors: e.append(str(exc)))
        page.on("requestfailed", lambda r, f=failed: f.append(r.url))
        page.goto(path.as_uri(), wait_until="load")
        info = page.evaluate(
            """() => ({
                lang: document.documentElement.lang,
                title: document.title,
                links: [...document.querySelectorAll('a[href]')].map(a => a.href),
                ids: [...document.querySelectorAll('[id]')].map(e => e.id),
                brokenImages: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
                imagesWithoutAlt: [...document.querySelectorAll('img:not([alt])')].map(i => i.src),
                figureImagesWithoutAlt: [...document.querySelectorAll('figure img')].filter(i => !i.alt.trim()).map(i => i.src),
                figures: document.querySelectorAll('main figure img').length,
                dataBlocks: [...document.querySelectorAll('main details.ib-data')].map(d => ({
                    summary: d.querySelector('summary').innerText,
                    table: !!d.querySelector('table'),
                    csv: [...d.querySelectorAll('a[href]')].some(a => /\\.csv$/.test(a.getAttribute('href'))),
                })),
                thWithoutScope: document.querySelectorAll('th:not([scope])').length,
                headings: [...document.querySelectorAll('main h1, main h2, main h3, main h4')].map(h => +h.tagName[1]),
                pdfLinks: [...document.querySelectorAll('a[href$=".pdf"]')].map(a => a.href),
                banner: (() => { const b = document.querySelector('.demo-banner');
                                 return b ? b.innerText : null; })(),
                bannerVisible: (() => { const b = document.querySelector('.demo-banner');
                                        return !!b && b.getBoundingClientRect().height > 0; })(),
            })"""
        )
        page.add_script_tag(content=axe_source)
        axe = page.evaluate(
            # preload: false – axe would fetch the stylesheets by XHR, which file:// pages forbid
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],"
            " preload: false})",
            AXE_TAGS,
        )
        results[path] = {**info, "errors": errors, "failed": failed, "axe": axe["violations"]}
        page.close()
    context.close()
    return results


def test_no_console_errors_or_failed_requests(visited):
    problems = {p.name: (r["errors"], r["failed"]) for p, r in visited.items() if r["errors"] or r["failed"]}
    assert not problems, problems


def test_german_pages_with_demo_banner(visited):
    for path, r in visited.items():
        assert r["lang"] == "de", path.name
        assert r["banner"] and "Demodaten" in r["banner"] and r["bannerVisible"], path.name
        assert "Integrationsbericht" in r["title"], path.name
        for word in ("Chapter", "Figure", "Table of Contents", "Appendix", "Search"):
            assert not re.search(rf"\b{word}\b", r["title"]), (path.name, word)


def test_images_links_and_downloads(visited, site):
    ids = {path.resolve(): set(r["ids"]) for path, r in visited.items()}
    broken: list[str] = []
    for path, r in visited.items():
        assert not r["brokenImages"], (path.name, r["brokenImages"])
        assert not r["imagesWithoutAlt"], (path.name, r["imagesWithoutAlt"])
        assert not r["figureImagesWithoutAlt"], (path.name, r["figureImagesWithoutAlt"])
        assert r["pdfLinks"], f"{path.name}: kein Link auf das PDF"
        for link in r["links"]:
            parsed = urlparse(link)
            if parsed.scheme in ("http", "https", "mailto"):
                continue  # external sources (licence, GENESIS) are not fetched in tests
            assert parsed.scheme == "file", link
            target = _file_of(link).resolve()
            if not target.is_file():
                broken.append(f"{path.name} → {link}")
            elif parsed.fragment and target in ids and unquote(parsed.fragment) not in ids[target]:
                broken.append(f"{path.name} → {link} (Anker fehlt)")
            assert site.resolve() in target.parents or target.parent == site.resolve(), link
    assert not broken, broken


def test_structure_tables_and_data_blocks(visited):
    total_figures = 0
    for path, r in visited.items():
        assert r["thWithoutScope"] == 0, path.name
        levels = r["headings"]
        assert levels and levels[0] == 1 and levels.count(1) == 1, (path.name, levels)
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{path.name}: Überschriftenebene springt von h{before} auf h{after}"
        for block in r["dataBlocks"]:
            # every block offers the CSV; the one under a chart also shows its numbers as a table
            assert block["csv"], (path.name, block)
            if block["summary"] == "Daten zur Abbildung":
                assert block["table"], (path.name, block)
        total_figures += r["figures"]
    assert total_figures > 0
    assert sum(len(r["dataBlocks"]) for r in visited.values()) > 0


def test_axe_core_no_serious_or_critical_violations(visited):
    report = []
    for path, r in visited.items():
        for v in r["axe"]:
            if v.get("impact") in ("serious", "critical"):
                targets = [n["target"] for n in v["nodes"][:3]]
                report.append(f"{path.name}: {v['id']} ({v['impact']}): {v['help']} {targets}")
    assert not report, "\n".join(report)


def test_keyboard_reaches_skip_link_and_navigation(browser, site):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((site / "report").glob("*.html").__next__().as_uri())
    page.keyboard.press("Tab")
    first = page.evaluate("() => [document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]")
    assert first == ["Zum Inhalt springen", "#inhalt"], first
    # the focused skip link is visible (moved into the viewport)
    assert page.evaluate("() => document.activeElement.getBoundingClientRect().top >= 0")
    reached_nav = False
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.closest('nav.sidebar') && document.activeElement.tagName === 'A'"):
            reached_nav = True
            break
    assert reached_nav, "Die Kapitelnavigation ist mit der Tab-Taste nicht erreichbar."
    # a visible focus indicator: the outline is drawn
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), outline
    page.goto((site / "index.html").as_uri())
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "inhalt"
    page.close()


def test_mobile_navigation_and_no_horizontal_scrolling(browser, site):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    for path in _pages(site):
        page.goto(path.as_uri())
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{path.name}: Seite ist {width} px breit (Bildschirm 390 px)"
    summary = page.locator(".sidebar__summary")
    assert summary.is_visible() and summary.inner_text() == "Inhalt und Downloads"
    assert not page.locator("nav.sidebar .toc a").first.is_visible()
    summary.click()
    assert page.locator("nav.sidebar .toc a").first.is_visible()
    page.close()


def test_phone_figures_are_legible_and_tables_keep_their_captions(browser, site):
    """At 390 px every figure shows its phone rendition, whose 8-pt text is drawn at 8 px
    or more; every wide table scrolls inside its area with the caption above it and a hint."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    figures = tables = 0
    for path in _pages(site):
        page.goto(path.as_uri(), wait_until="load")
        page.evaluate("() => Promise.all([...document.images].map(i => { i.loading = 'eager';"
                      " return i.decode().catch(() => null); }))")
        info = page.evaluate(
            """() => ({
                figs: [...document.querySelectorAll('main figure picture img')].map(i => ({
                    src: i.currentSrc, shown: i.getBoundingClientRect().width, natural: i.naturalWidth})),
                captionsInside: document.querySelectorAll('.table-scroll caption').length,
                tables: [...document.querySelectorAll('.ib-table')].map(t => ({
                    caption: !!t.querySelector(':scope > .ib-table-caption'),
                    wide: t.querySelector('.table-scroll').scrollWidth > t.querySelector('.table-scroll').clientWidth + 1,
                    hint: !!t.querySelector('.ib-scroll-hint')})),
            })"""
        )
        assert info["captionsInside"] == 0, path.name
        for fig in info["figs"]:
            figures += 1
            assert fig["src"].endswith("-mobil.png"), (path.name, fig["src"])
            # 200 dpi: 8 pt = 22.2 image pixels; drawn at shown/natural of that size
            px = 8 / 72 * 200 * fig["shown"] / fig["natural"]
            assert px >= 8, (path.name, fig["src"], round(px, 1))
        for t in info["tables"]:
            tables += 1
            assert t["caption"], path.name
            assert t["hint"] == t["wide"], (path.name, t)
    assert figures > 10 and tables > 10
    page.close()


def test_reading_without_javascript_and_print_styles(browser, site):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    chapter = sorted((site / "report").glob("*.html"))[0]
    page.goto(chapter.as_uri())
    assert page.locator("main h1").is_visible()
    assert not page.locator("#ib-search-box").is_visible()
    # without JavaScript the navigation stays open, even on a small screen
    assert page.locator("nav.sidebar .toc a").first.is_visible()
    page.emulate_media(media="print")
    assert page.locator("main h1").is_visible()
    for hidden in ("nav.sidebar", ".skip-link", "#ib-search-box", ".pager"):
        loc = page.locator(hidden)
        assert loc.count() == 0 or not loc.first.is_visible(), hidden
    if page.locator("details.ib-data").count():
        assert not page.locator("details.ib-data").first.is_visible()
    context.close()


def test_offline_search_finds_a_chapter(browser, site):
    page = browser.new_page()
    page.route("http*://**", lambda route: route.abort())  # no network at all
    page.goto((site / "index.html").as_uri())
    heading = page.locator("main h1").inner_text()
    page.fill("#ib-search", "Befragung")
    page.wait_for_selector("#ib-search-results a")
    links = page.locator("#ib-search-results a")
    assert links.count() > 0
    status = page.locator("#ib-search-status").inner_text()
    assert "Treffer" in status
    href = links.first.get_attribute("href")
    links.first.click()
    page.wait_for_load_state()
    assert page.url.split("#")[0].endswith(href.split("#")[0].lstrip("./")), (page.url, href)
    assert heading
    page.close()
