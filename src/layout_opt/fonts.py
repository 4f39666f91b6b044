"""The CJK font of the figures (:func:`cjk_font`), from the package's own dependencies.

The Noto Sans CJK collection of the ``noto-cjk-sans-otc`` package (SIL Open Font License
1.1), face "Noto Sans CJK SC" (simplified Chinese forms), is registered with matplotlib on
first use; :func:`cjk_rc` applies it to the figures made inside a block only, so no
global setting changes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.font_manager import FontProperties

logger = logging.getLogger(__name__)

#: The PyPI package that carries the CJK font (a project dependency).
CJK_FONT_PACKAGE = "noto-cjk-sans-otc"

#: CJK families tried in order; the first that is installed and has the glyphs wins.
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
)

#: Characters a usable font must have (the district's name and the words of the maps).
CJK_PROBE_TEXT = "孟津区学校撤并寄宿新建保留划片镇街"


def _packaged_font_file() -> str | None:
    """Path of the font file of :data:`CJK_FONT_PACKAGE`, or None if not installed."""
    try:
        import noto_cjk_sans_otc  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = noto_cjk_sans_otc.FONT_PATH
    return str(path) if path.is_file() else None


def _has_glyphs(fname: str, text: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(fname)
    except (OSError, RuntimeError, ValueError):
        return False
    return all(font.get_char_index(ord(ch)) != 0 for ch in text if not ch.isspace())


@functools.lru_cache(maxsize=1)
def _cjk_family() -> str:
    from matplotlib import font_manager as fm

    packaged = _packaged_font_file()
    if packaged is not None:
        known = {e.fname for e in fm.fontManager.ttflist}
        if packaged not in known:
            fm.fontManager.addfont(packaged)
    entries = {}
    for e in fm.fontManager.ttflist:
        entries.setdefault(e.name, e.fname)
    for family in CJK_FAMILIES:
        if family in entries and _has_glyphs(entries[family], CJK_PROBE_TEXT):
            logger.debug("CJK font: %s (%s)", family, entries[family])
            return family
    for family, fname in sorted(entries.items()):
        if _has_glyphs(fname, CJK_PROBE_TEXT):
            logger.info("CJK font: %s (%s), not one of the preferred families", family, fname)
            return family
    logger.warning("no CJK font found (install %s); Chinese text will show as boxes", CJK_FONT_PACKAGE)
    return "DejaVu Sans"


def cjk_font() -> FontProperties:
    """The CJK font the figures use.

    The font of :data:`CJK_FONT_PACKAGE` (Noto Sans CJK, face "Noto Sans CJK SC") is
    registered with matplotlib on first use; if that package is missing, the first of
    :data:`CJK_FAMILIES` (or any installed font) that has the glyphs of
    :data:`CJK_PROBE_TEXT` is used.

    Returns
    -------
    matplotlib.font_manager.FontProperties
        Its family is the CJK family; ``matplotlib.font_manager.findfont(cjk_font())``
        gives the file.
    """
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=_cjk_family())


@contextmanager
def cjk_rc() -> Iterator[None]:
    """Matplotlib settings for Chinese text, for the figures made inside the block only."""
    import matplotlib

    with matplotlib.rc_context({"font.family": font_families(), "axes.unicode_minus": False}):
        yield


def font_families() -> list[str]:
    """Font families for a text: the CJK family, then DejaVu Sans for anything it lacks."""
    return [_cjk_family(), "DejaVu Sans"]


#: Face of the CJK collection embedded in HTML (simplified Chinese forms).
CJK_FACE = "Noto Sans CJK SC"
#: Tables the embedded subset leaves out: vertical metrics, glyph positioning and
#: substitution (CJK text needs none of them on screen or in print), digital signature.
_DROPPED_TABLES = ("vhea", "vmtx", "VORG", "DSIG", "GSUB", "GPOS", "BASE", "JSTF")


def _collection_face(path: str, family: str) -> int:
    """Index of the face called ``family`` in a font collection (0 for a single font)."""
    from fontTools.ttLib import TTCollection

    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    faces = TTCollection(path, lazy=True).fonts
    for i, face in enumerate(faces):
        if face["name"].getDebugName(1) == family:
            return i
    return 0


@functools.lru_cache(maxsize=8)
def cjk_subset(text: str) -> bytes:
    """The packaged CJK face cut down to the characters of ``text`` (OpenType, CFF outlines).

    Made with fontTools from the font of :data:`CJK_FONT_PACKAGE` (face :data:`CJK_FACE`);
    the SIL Open Font License 1.1 allows embedding subsets.  Deterministic: the same text
    gives the same bytes.

    Parameters
    ----------
    text : str
        Every character the subset must draw (ASCII is always included).

    Returns
    -------
    bytes
        The font file, or ``b""`` when the package is not installed.
    """
    import io

    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = _packaged_font_file()
    if path is None:
        logger.warning("%s is not installed: the page relies on the reader's CJK fonts", CJK_FONT_PACKAGE)
        return b""
    # recalcTimestamp=False keeps the font's own date, so that the same text gives the same file
    font = TTFont(path, fontNumber=_collection_face(path, CJK_FACE), lazy=True, recalcTimestamp=False)
    options = subset.Options()
    options.hinting = False
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # family, copyright and licence
    options.drop_tables += list(_DROPPED_TABLES)
    options.notdef_outline = True
    chars = sorted(set(text) | {chr(c) for c in range(0x20, 0x7F)})
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(chars))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf, reorderTables=True)
    return buf.getvalue()


def font_face_css(text: str, family: str = "LayoutCJK") -> str:
    """A CSS ``@font-face`` rule embedding :func:`cjk_subset` of ``text`` as ``family``.

    Returns
    -------
    str
        The rule (base64 data URL, format ``opentype``), or ``""`` without the packaged font.
    """
    import base64

    data = cjk_subset(text)
    if not data:
        return ""
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f'@font-face{{font-family:"{family}";src:url(data:font/otf;base64,{b64}) format("opentype");'
        "font-weight:100 900;font-style:normal}"
    )
