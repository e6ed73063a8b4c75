"""Site-wide pages: the health check, the error pages, the language switcher and the fallback note."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

from assembly.common.views import server_error
from tests.factories import AssemblyFactory

pytestmark = pytest.mark.django_db

DEBUG_DETAIL = ["Traceback", "Using the URLconf", "Django tried these URL patterns", "DEBUG = True", "settings.py"]


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


def test_healthz_rejects_post(client):
    response = client.post("/healthz")

    assert response.status_code == 405


@pytest.mark.parametrize("language", ["en", "es"])
def test_not_found_page_is_in_the_reader_language(client, language):
    response = client.get(f"/{language}/no-such-page/")

    assert response.status_code == 404
    assertContains(response, f'<html lang="{language}">', status_code=404)
    with translation.override(language):
        assertContains(response, translation.gettext("Page not found"), status_code=404)
    for detail in DEBUG_DETAIL:
        assertNotContains(response, detail, status_code=404)


def test_not_found_page_hides_private_assembly(client):
    response = client.get("/en/a/no-such-assembly/")

    assert response.status_code == 404
    assertContains(response, '<main id="main"', status_code=404)


@override_settings(ROOT_URLCONF="tests.common.urls_failing")
def test_server_error_page_hides_the_traceback():
    client = Client(raise_request_exception=False)

    response = client.get("/fail/")

    assert response.status_code == 500
    with translation.override("en"):
        assertContains(response, translation.gettext("Something went wrong"), status_code=500)
    assertNotContains(response, "secret-detail-from-a-failing-view", status_code=500)
    for detail in DEBUG_DETAIL:
        assertNotContains(response, detail, status_code=500)


def test_server_error_handler_renders_in_the_active_language():
    request = RequestFactory().get("/es/")

    with translation.override("es"):
        response = server_error(request)
        expected_title = translation.gettext("Something went wrong")

    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="es">' in page
    assert expected_title in page
    assert 'href="/es/"' in page


def test_language_switcher_moves_to_the_same_page_in_the_other_language(client, assembly):
    response = client.post("/i18n/setlang/", {"language": "es", "next": f"/en/a/{assembly.slug}/"})

    assert response.status_code == 302
    assert response.url == f"/es/a/{assembly.slug}/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert client.get(response.url).status_code == 200


def test_language_switcher_names_each_language_in_itself(client):
    response = client.get("/es/")

    assertContains(
        response,
        '<button type="submit" name="language" value="en" lang="en" aria-describedby="language-label">English</button>',
        html=True,
    )
    assertContains(
        response,
        '<button type="submit" name="language" value="es" lang="es" aria-describedby="language-label"'
        ' aria-current="true">Español</button>',
        html=True,
    )


def test_language_switcher_refuses_a_foreign_next_url(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "https://attacker.example/"})

    assert response.status_code == 302
    assert "attacker.example" not in response.url


def test_home_page_has_landmarks_and_language(client):
    response = client.get("/es/")

    assertContains(response, '<html lang="es">')
    assertContains(response, '<a class="skip-link" href="#main">')
    assertContains(response, '<main id="main"')


def test_home_page_notes_a_name_not_yet_translated(client):
    assembly = AssemblyFactory(name_en="Eastside Assembly", name_es="", description_es="")

    response = client.get("/es/")

    with translation.override("es"):
        note = translation.gettext("(not yet translated)")
    assertContains(
        response, f'<span lang="en">{assembly.name_en}</span> <small class="fallback-note">{note}</small>', html=True
    )


def test_home_page_shows_translated_name_without_note(client):
    assembly = AssemblyFactory(name_en="Eastside Assembly", name_es="Asamblea del Este")

    response = client.get("/es/")

    assertContains(response, assembly.name_es)
    assertNotContains(response, assembly.name_en)
    assertNotContains(response, "fallback-note")


def test_assembly_page_notes_a_description_not_yet_translated(client):
    assembly = AssemblyFactory(description_en="We meet on Thursdays.", description_es="")

    response = client.get(f"/es/a/{assembly.slug}/")

    assertContains(response, '<div lang="en"><p>We meet on Thursdays.</p></div>', html=True)
    assertContains(response, assembly.name_es)


@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "text"), [("en", "cannot be opened this way"), ("es", "no se puede abrir así")])
def test_method_not_allowed_is_a_page_in_the_readers_language(client, prefix, text):
    response = client.put(f"/{prefix}/")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert text in response.content.decode()
