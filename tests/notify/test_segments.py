"""Text messages in one SMS segment: GSM-7 counted right, folded with care, shortened where the template allows."""

import logging

import pytest
from django.template import Context, Template

from assembly.notify import segments
from assembly.notify.channels import SIGNAL, SMS
from assembly.notify.segments import OPTIONAL, SQUEEZE, Part, fit, fold, gsm_units, ucs2_units

LINK = "https://asamblea-vecinal.example.org/es/al/1234567-abcdefghijklmnop/"


# Counting --------------------------------------------------------------------------------------------------------


def test_the_gsm_tables_are_the_real_ones():
    # 128 codes, less the escape to the extension table; ten characters behind the escape.
    assert len(segments.GSM_BASIC) == 127
    assert len(segments.GSM_EXTENSION) == 10
    assert segments.GSM_BASIC.isdisjoint(segments.GSM_EXTENSION)


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("", 0),
        ("Hola", 4),
        ("¿Dónde?", None),
        ("¿Qué pasó?", None),
        ("¿Qué?", 5),
        ("¡Niño, Müller, Ça va, déjà vu!", 30),
        ("¡Niño, Müller, Çe, à, è, é, ì, ò, ù!", 36),
        ("Çç", None),
        ("5€", 3),
        ("{x}", 5),
        ("a[1]|b~c^d\\", 17),
        ("line\nbreak", 10),
    ],
)
def test_gsm_units_count_extension_characters_twice(text, units):
    assert gsm_units(text) == units


@pytest.mark.parametrize(("text", "units"), [("terminó", 7), ("niña", 4), ("🚨 ALERTA", 9), ("", 0)])
def test_ucs2_units_count_an_emoji_twice(text, units):
    assert ucs2_units(text) == units


@pytest.mark.parametrize(
    ("text", "one_segment"),
    [("a" * 160, True), ("a" * 161, False), ("€" * 80, True), ("€" * 81, False), ("á" * 70, True), ("á" * 71, False)],
)
def test_one_segment_is_160_gsm_units_or_70_ucs2(text, one_segment):
    assert segments.fits_one_segment(text) is one_segment


# Folding ---------------------------------------------------------------------------------------------------------


def test_folding_keeps_what_gsm_has_and_folds_the_rest():
    assert fold("¿Dónde está la niña? ¡Aquí, en el Camión!") == "¿Donde esta la niña? ¡Aqui, en el Camion!"
    assert fold("Qué, güero, Ñuñoa, Ça, ça, à, è, ì, ò, ù, Ü, Ö") == "Qué, güero, Ñuñoa, Ça, ca, à, è, ì, ò, ù, Ü, Ö"
    assert fold("ÁÍÓÚ áíóú ãõ êô") == "AIOU aiou ao eo"


def test_folding_replaces_typographic_punctuation_and_spaces():
    typed = "«Calle\u00a05ª» \u2013 “la esquina” \u2014 l\u2019agent\u2026 10\u202fp.m."

    assert fold(typed) == '"Calle 5a" - "la esquina" - l\'agent... 10 p.m.'


def test_what_cannot_be_folded_stays_unless_told():
    assert fold("Zona 🚨 北") == "Zona 🚨 北"
    assert fold("Zona 🚨 北", unknown="?") == "Zona ? ?"


# Fitting ---------------------------------------------------------------------------------------------------------


def _alert_parts(zone: str, place: str) -> tuple[Part, ...]:
    return (
        Part("ALERTA: agentes en "),
        Part(zone, SQUEEZE),
        Part(", "),
        Part(place, SQUEEZE),
        Part(". Responde 1=voy (1 15=en 15 min), 2=no puedo "),
        Part(LINK),
    )


def test_a_short_text_goes_as_written_accents_and_all():
    assert fit("Asamblea: la alerta terminó. Gracias.") == "Asamblea: la alerta terminó. Gracias."


def test_a_text_too_long_for_ucs2_is_folded_before_anything_is_cut():
    text = fit(*_alert_parts("Norte", "Plaza Bolívar"))

    assert text == f"ALERTA: agentes en Norte, Plaza Bolivar. Responde 1=voy (1 15=en 15 min), 2=no puedo {LINK}"
    assert gsm_units(text) <= 160


def test_long_names_are_shortened_evenly_keeping_the_link_and_the_instructions():
    zone, place = "Á" * 80, "Esquina de la Quinta y Main, " * 5

    text = fit(*_alert_parts(zone, place))

    # Cut at a unit, then without a trailing space or comma: a unit or two may go unused.
    assert 157 <= gsm_units(text) <= 160
    assert text.endswith(f". Responde 1=voy (1 15=en 15 min), 2=no puedo {LINK}")
    squeezed = text.removeprefix("ALERTA: agentes en ").split(" Responde")[0]
    shown_zone, shown_place = squeezed.split(", ", 1)
    assert shown_zone.endswith("...") and shown_place.endswith("...")
    assert set(shown_zone.removesuffix("...")) == {"A"}
    assert shown_place.startswith("Esquina")
    assert abs(len(shown_zone) - len(shown_place)) <= 2


def test_a_weighted_part_keeps_more():
    parts = _alert_parts("Cuadras del noroeste entre la avenida", "Esquina de la Quinta y Main, frente a la panaderia")
    weighted = (*parts[:3], Part(parts[3].text, SQUEEZE, 2), *parts[4:])

    text = fit(*weighted)

    squeezed = text.removeprefix("ALERTA: agentes en ").split(" Responde")[0]
    shown_zone, shown_place = squeezed.split(", ", 1)
    assert 1.5 < len(shown_place) / len(shown_zone) <= 2.5
    assert 155 <= gsm_units(text) <= 160


def test_a_short_name_keeps_its_length_and_the_long_one_gives_way():
    text = fit(*_alert_parts("Norte", "x" * 140))

    assert text.startswith("ALERTA: agentes en Norte, xxx")
    assert text.endswith(f"xxx... Responde 1=voy (1 15=en 15 min), 2=no puedo {LINK}")
    assert gsm_units(text) == 160


def test_optional_words_go_before_anything_is_shortened():
    stop = "Para no recibir mas alertas, deja tu rol: https://asamblea-vecinal.example.org/es/a/x/plans/1/"
    parts = (Part("Asamblea: la alerta en "), Part("Cuadra norte", SQUEEZE), Part(" termino. "), Part(stop, OPTIONAL))

    assert fit(*parts) == f"Asamblea: la alerta en Cuadra norte termino. {stop}"
    zone = "Cuadra norte de la avenida Cesar Chavez y calle 26"
    longer = (parts[0], Part(zone, SQUEEZE), *parts[2:])
    assert fit(*longer) == f"Asamblea: la alerta en {zone} termino."


def test_something_that_cannot_be_folded_fits_70_ucs2_units_when_it_can():
    text = fit(Part("Zona "), Part("🚨 北区 " * 20, SQUEEZE), Part(" https://a.example/x/"))

    assert gsm_units(text) is None
    assert ucs2_units(text) <= 70
    assert text.endswith("… https://a.example/x/")


def test_when_70_ucs2_units_cannot_hold_the_link_what_cannot_be_folded_becomes_a_question_mark():
    text = fit(*_alert_parts("Zona 北", "Esquina 🚨"))

    assert text.startswith("ALERTA: agentes en Zona ?, Esquina ?")
    assert gsm_units(text) <= 160
    assert text.endswith(LINK)


def test_fixed_words_too_long_for_one_segment_go_whole_and_are_logged(caplog):
    words = "word " * 40

    with caplog.at_level(logging.WARNING, logger="assembly.notify.segments"):
        text = fit(Part(words), Part("Cuadra norte", SQUEEZE), Part(LINK))

    assert text.startswith(words.strip()) and text.endswith(LINK)
    assert "does not fit one segment" in caplog.text


# Marks in templates ----------------------------------------------------------------------------------------------


def _render(source: str, **context) -> str:
    return Template("{% load segments %}" + source).render(Context(context))


def test_a_template_marks_what_may_be_shortened_and_what_may_go():
    rendered = _render(
        "Alert in {{ zone|squeeze }}. {% optional %}Stop: {{ link }}{% endoptional %}", zone="North", link="x/y"
    )

    assert segments.parse(rendered) == (
        Part("Alert in "),
        Part("North", SQUEEZE),
        Part(". "),
        Part("Stop: x/y", OPTIONAL),
    )
    assert segments.parse(_render("{{ zone|squeeze:2 }}, {{ place|squeeze:'12' }}", zone="N", place="5th")) == (
        Part("N", SQUEEZE, 2),
        Part(", "),
        Part("5th", SQUEEZE, 9),
    )


def test_marks_inside_a_value_are_not_obeyed():
    zone = f"North{segments.SQUEEZE_END}{segments.OPTIONAL_START}"

    assert segments.parse(_render("In {{ zone|squeeze }}.", zone=zone)) == (
        Part("In "),
        Part("North", SQUEEZE),
        Part("."),
    )


@pytest.mark.parametrize("channel", [SMS, SIGNAL])
def test_no_mark_is_ever_sent(channel):
    rendered = _render("In  {{ zone|squeeze }}\n {% optional %}stop{% endoptional %}", zone="Cuadra sur · ñ")

    text = segments.finish(rendered, channel=channel)

    assert not set(text) & set(segments.MARKS)
    assert text == "In Cuadra sur · ñ stop"


def test_signal_gets_the_whole_text_as_written():
    rendered = _render("En {{ zone|squeeze }} terminó. {{ link }}", zone="Á" * 200, link=LINK)

    assert segments.finish(rendered, channel=SIGNAL) == f"En {'Á' * 200} terminó. {LINK}"
    assert segments.fits_one_segment(segments.finish(rendered, channel=SMS))
