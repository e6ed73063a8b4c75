"""Reading bilingual content: the reader's language first, another with a visible note, always escaped."""

import pytest
from django.template import Context, Template
from django.utils import translation

from assembly.common.i18n import localized_fields, localized_value
from tests.factories import AssemblyFactory

pytestmark = pytest.mark.django_db


def _render(source: str, **context) -> str:
    return Template("{% load asamblea %}" + source).render(Context(context))


def test_localized_fields_lists_each_language_in_order():
    assert localized_fields("name", "description") == ["name_en", "name_es", "description_en", "description_es"]


def test_localized_value_reads_the_active_language():
    assembly = AssemblyFactory(name_en="Eastside", name_es="Este")

    with translation.override("es"):
        value = localized_value(assembly, "name")

    assert (value.text, value.language, value.is_fallback) == ("Este", "es", False)


def test_localized_value_falls_back_to_another_language():
    assembly = AssemblyFactory(name_en="Eastside", name_es="")

    with translation.override("es"):
        value = localized_value(assembly, "name")

    assert (value.text, value.language, value.is_fallback) == ("Eastside", "en", True)


def test_translated_tag_escapes_content():
    assembly = AssemblyFactory(name_en="<script>alert(1)</script>", name_es="")

    with translation.override("es"):
        html = _render('{% translated assembly "name" %}', assembly=assembly)

    assert "<script>" not in html
    assert '<span lang="en">&lt;script&gt;alert(1)&lt;/script&gt;</span>' in html


def test_translated_tag_renders_paragraphs():
    assembly = AssemblyFactory(description_en="First.\n\nSecond.", description_es="Primero.\n\nSegundo.")

    with translation.override("es"):
        html = _render('{% translated assembly "description" True %}', assembly=assembly)

    assert html == "<p>Primero.</p>\n\n<p>Segundo.</p>"


def test_translated_tag_renders_fallback_paragraphs_escaped():
    assembly = AssemblyFactory(description_en="Bring <b>food</b>.\n\nSecond.", description_es="")

    with translation.override("es"):
        html = _render('{% translated assembly "description" True %}', assembly=assembly)

    assert html.startswith('<div lang="en"><p>Bring &lt;b&gt;food&lt;/b&gt;.</p>\n\n<p>Second.</p></div>')
