"""Texts of the Impressum and the "Erklärung zur Barrierefreiheit" (BITV 2.0) from the edition
config (``contact``, ``accessibility``): one metadata entry per line of the static pages
``report/impressum.qmd`` and ``report/barrierefreiheit.qmd``, the same for both renderers."""

from __future__ import annotations

from .errors import ConfigError

STATUS_TEXT = {
    "vollständig": "Dieser Bericht ist mit den Anforderungen der BITV 2.0 vollständig vereinbar.",
    "teilweise": "Dieser Bericht ist mit den Anforderungen der BITV 2.0 teilweise vereinbar. "
                 "Die Ausnahmen stehen im nächsten Abschnitt.",
    "nicht": "Dieser Bericht ist mit den Anforderungen der BITV 2.0 nicht vereinbar. "
             "Die Gründe stehen im nächsten Abschnitt.",
}


def _md_text(text: str) -> str:
    """Config text as literal Markdown: no emphasis, link, HTML or citation (``@name``) from
    the input (the one Markdown escaping path, :func:`escaping.md`)."""
    from .escaping import md

    return md(text)


def _md_url(url: str) -> str:
    """A link target from the config, safe inside ``(…)``: characters that could end the
    target or start Markdown (``()[]<>`` , blanks, backslash) are percent-encoded."""
    from urllib.parse import quote

    return quote(str(url).strip(), safe=":/?#@!$&'*+,;=%~-._")


def meta(config, stand: str, config_file: str | None = None) -> dict[str, str]:
    """Metadata keys used by the Impressum and the accessibility statement."""
    c = config.contact
    ways = []
    if c.email:
        ways.append(f"E-Mail: [{_md_text(c.email)}](mailto:{_md_url(c.email)})")
    if c.phone:
        ways.append(f"Telefon: {_md_text(c.phone)}")
    if c.web:
        ways.append(f"Internet: [{_md_text(c.web)}]({_md_url(c.web)})")
    if not ways:
        raise ConfigError(
            "Für das Impressum und die Erklärung zur Barrierefreiheit (BITV 2.0) fehlt eine "
            "Kontaktmöglichkeit.", file=config_file,
            hint="In der Konfiguration unter 'contact:' mindestens 'email', 'phone' oder 'web' angeben.")
    a = config.accessibility
    publisher = config.publisher or config.city or ""
    lines = [_md_text(publisher)] + ([_md_text(c.address)] if c.address else []) + ways
    barriers = " ".join(_md_text(b) for b in a.barriers) or "Es sind keine Barrieren bekannt."
    return {
        "imprint_contact": " \\\n".join(lines),
        "imprint_date": c.date or stand or str(config.year),
        "accessibility_status": STATUS_TEXT[a.status],
        "accessibility_barriers": barriers,
        "accessibility_feedback": "; ".join(ways),
        "accessibility_enforcement": f"[{_md_text(a.enforcement_name)}]({_md_url(a.enforcement_url)})",
    }
