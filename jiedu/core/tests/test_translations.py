"""The committed message catalogues: compiled, complete, placeholder-safe, and actually used by the pages."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from jiedu.core import translations

ZH_PO = Path(settings.BASE_DIR) / "jiedu" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
LOGIN = "/accounts/login/"

# %(name)s, %(n)d, %s, %d and friends, as Python's % operator reads them.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[#0+-]*\d*(?:\.\d+)?[sdifr]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _entries(po_path: Path) -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(po_path)) if not e.obsolete]


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


CATALOGUES = translations.catalogues()


def test_the_chinese_catalogue_is_found() -> None:
    assert ZH_PO in CATALOGUES
    assert len(_entries(ZH_PO)) > 200


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_message_of_the_code_and_templates_is_in_the_catalogue(po_path: Path) -> None:
    # A message added to the code without `make messages` would show in English on a Chinese page.
    assert translations.missing_messages(po_path, Path(settings.BASE_DIR) / "jiedu") == []


def test_the_scan_finds_calls_tags_contexts_and_a_message_the_catalogue_lacks(tmp_path: Path) -> None:
    code = tmp_path / "app"
    (code / "tests").mkdir(parents=True)
    (code / "views.py").write_text(
        "from django.utils.translation import gettext as _, pgettext, ngettext_lazy\n"
        "from django.utils import translation\n"
        "a = _('Sign out')\n"
        "b = pgettext('data set period', '%(year)d')\n"
        "c = ngettext_lazy('%(n)s event', '%(n)s events', 2)\n"
        "d = translation.gettext('A new message ' 'in two parts.')\n"
        "e = _(name_held_elsewhere)\n",
        encoding="utf-8",
    )
    (code / "tests" / "test_views.py").write_text("x = _('Only in a test')\n", encoding="utf-8")
    assert list(translations.python_messages(code / "views.py")) == [
        ("", "Sign out"),
        ("data set period", "%(year)d"),
        ("", "%(n)s event"),
        ("", "A new message in two parts."),
    ]
    (code / "templates").mkdir()
    (code / "templates" / "page.html").write_text(
        "<th>{% translate \"Turnover rate (%)\" %}</th><td data-label=\"{% translate 'Name' context 'person' %}\">"
        '{% translate "Not yet in the catalogue" as t %}{% blocktranslate %}Left to the tag{% endblocktranslate %}',
        encoding="utf-8",
    )
    assert list(translations.template_messages(code / "templates" / "page.html")) == [
        ("", "Turnover rate (%%)"),
        ("person", "Name"),
        ("", "Not yet in the catalogue"),
    ]
    assert translations.missing_messages(ZH_PO, code) == [
        "templates/page.html: Not yet in the catalogue",
        "views.py: A new message in two parts.",
    ]


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_committed_mo_is_what_the_po_compiles_to(po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `manage.py compile_translations`"
    assert mo_path.read_bytes() == translations.compile_catalogue(po_path), (
        f"{mo_path} is stale: run `manage.py compile_translations`"
    )


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_no_entry_is_untranslated_or_fuzzy(po_path: Path) -> None:
    po = polib.pofile(str(po_path))
    assert not po.metadata_is_fuzzy
    fuzzy = [e.msgid for e in _entries(po_path) if e.fuzzy]
    untranslated = [e.msgid for e in _entries(po_path) if not e.fuzzy and not all(_translations(e))]
    assert fuzzy == []
    assert untranslated == []
    assert translations.problems(po_path) == []


def test_chinese_header_declares_language_charset_and_one_plural_form() -> None:
    metadata = polib.pofile(str(ZH_PO)).metadata
    assert metadata["Language"] == "zh_Hans"
    assert metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    plural_entries = [e for e in _entries(ZH_PO) if e.msgid_plural]
    assert plural_entries
    assert all(sorted(e.msgstr_plural) == [0] for e in plural_entries)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_placeholders_match_the_source(po_path: Path) -> None:
    wrong = []
    for entry in _entries(po_path):
        # One Chinese form serves every count, so it carries the plural source's placeholders.
        source = entry.msgid_plural or entry.msgid
        expected = sorted(PLACEHOLDER.findall(source))
        for text in _translations(entry):
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append((entry.msgid, text))
    assert wrong == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_html_in_the_source_is_kept(po_path: Path) -> None:
    wrong = []
    for entry in _entries(po_path):
        expected = sorted(HTML_TAG.findall(entry.msgid_plural or entry.msgid))
        wrong += [(entry.msgid, t) for t in _translations(entry) if sorted(HTML_TAG.findall(t)) != expected]
    assert wrong == []


def test_gettext_and_plurals_read_the_chinese_catalogue() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Sign in") == "登录"
        assert translation.gettext("Sign out") == "退出登录"
        assert translation.gettext("MMT clinic") == "美沙酮维持治疗门诊"
        assert translation.gettext("Satellite dosing point") == "延伸服药点"
        assert translation.gettext("Resident identity number") == "居民身份证号码"
        for n in (1, 5):
            text = translation.ngettext(
                "%(n)s organisation in your region.", "%(n)s organisations in your region.", n
            )
            assert text % {"n": n} == f"辖区内共有{n}个机构。"
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"


def test_one_english_word_with_two_meanings_has_two_chinese_words() -> None:
    with translation.override("zh-hans"):
        assert translation.pgettext("amount", "Dose") == "剂量"
        assert translation.pgettext("give the dose", "Dose") == "给药"
        assert translation.pgettext("decline to dose", "Refuse") == "拒绝给药"
        assert translation.pgettext("enrolment", "Refuse") == "拒绝入组"


@pytest.mark.django_db
def test_login_page_is_chinese_by_default(client) -> None:  # noqa: ANN001
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html
    assert '<button type="submit">登录</button>' in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_pages_stay_chinese_whatever_the_browser_prefers(client) -> None:  # noqa: ANN001
    html = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "<h1>登录</h1>" in html


@pytest.mark.django_db
def test_the_language_switch_selects_english(client) -> None:  # noqa: ANN001
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert response.status_code == 302
    html = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html
    assert "登录" not in html


@pytest.mark.django_db
def test_language_cookie_selects_english(client) -> None:  # noqa: ANN001
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(LOGIN).content.decode()
    assert "<h1>Sign in</h1>" in html
    assert "<h1>登录</h1>" not in html


# --- the module and the command, on throw-away catalogues -------------------------------------------------

SAMPLE_PO = """\
msgid ""
msgstr ""
"Language: zh_Hans\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

msgid "Sign in"
msgstr "登录"

#, python-format
msgid "%(n)s item"
msgid_plural "%(n)s items"
msgstr[0] "%(n)s项"
"""


@pytest.fixture
def sample_locale(tmp_path, settings) -> Path:  # noqa: ANN001
    po_path = tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.po"
    po_path.parent.mkdir(parents=True)
    po_path.write_text(SAMPLE_PO, encoding="utf-8")
    settings.LOCALE_PATHS = [tmp_path]
    return po_path


def test_compile_writes_what_check_accepts(sample_locale: Path) -> None:
    assert translations.catalogues() == [sample_locale]
    assert translations.problems(sample_locale) == []
    call_command("compile_translations", stdout=StringIO(), stderr=StringIO())
    mo = polib.mofile(str(sample_locale.with_suffix(".mo")))
    assert {e.msgid: e.msgstr or e.msgstr_plural for e in mo} == {
        "Sign in": "登录",
        "%(n)s item": {0: "%(n)s项"},
    }
    out = StringIO()
    call_command("compile_translations", "--check", stdout=out, stderr=StringIO())
    assert "up to date and complete" in out.getvalue()


def test_check_names_a_stale_catalogue(sample_locale: Path) -> None:
    call_command("compile_translations", stdout=StringIO(), stderr=StringIO())
    sample_locale.write_text(SAMPLE_PO.replace('msgstr "登录"', 'msgstr "登入"'), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="zh_Hans"):
        call_command("compile_translations", "--check", stdout=StringIO(), stderr=err)
    assert "django.mo is not what the .po compiles to" in err.getvalue()


def test_check_fails_without_a_compiled_catalogue(sample_locale: Path) -> None:
    with pytest.raises(CommandError, match="zh_Hans"):
        call_command("compile_translations", "--check", stdout=StringIO(), stderr=StringIO())


def test_fuzzy_untranslated_and_wrong_placeholders_are_problems(sample_locale: Path) -> None:
    sample_locale.write_text(
        SAMPLE_PO
        + '\n#, fuzzy\nmsgid "Sign out"\nmsgstr "退出"\n'
        + '\nmsgid "Save"\nmsgstr ""\n'
        + '\n#, python-format\nmsgid "Edit %(name)s"\nmsgstr "编辑%(nom)s"\n',
        encoding="utf-8",
    )
    assert translations.problems(sample_locale) == [
        "fuzzy: 'Sign out'",
        "untranslated: 'Save'",
        "placeholders differ: 'Edit %(name)s'",
    ]
    call_command("compile_translations", stdout=StringIO(), stderr=StringIO())
    compiled = {e.msgid for e in polib.mofile(str(sample_locale.with_suffix(".mo")))}
    assert "Sign out" not in compiled  # fuzzy entries are never compiled
    with pytest.raises(CommandError, match="zh_Hans"):
        call_command("compile_translations", "--check", stdout=StringIO(), stderr=StringIO())


def test_write_and_compile_agree_byte_for_byte(sample_locale: Path) -> None:
    written = translations.write_catalogue(sample_locale)
    assert written == sample_locale.with_suffix(".mo")
    assert written.read_bytes() == translations.compile_catalogue(sample_locale)
