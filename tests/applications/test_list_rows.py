"""The list's rows built in Python (``applications.list_rows``): escaped, in the reader's
language and formats, one ``<tr>`` per row as the header's columns."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from applications import list_rows, selectors
from tests import factories

pytestmark = pytest.mark.django_db


def rows(user, language):
    with translation.override(language):
        return list_rows.render(selectors.list_page(user, QueryDict(""))[1])


def test_a_row_escapes_what_users_typed_braces_included():
    organization = factories.OrganizationFactory(name="Müller & Söhne <gGmbH>")
    programme = factories.ProgrammeFactory(name="Fonds {2026}")
    application = factories.ApplicationFactory(
        organization=organization,
        programme=programme,
        title='<script>alert("x")</script> {title}',
        requested_amount=Decimal("1234.5"),
    )
    (row,) = rows(factories.coordinator(), "de")
    url = reverse("application-detail", args=[application.pk])
    changed = f"{application.updated_at.astimezone(ZoneInfo('Europe/Berlin')):%d.%m.%Y}"
    assert row == (
        f'<tr><td data-label="Aktenzeichen"><a href="{url}">Entwurf</a></td>'
        '<td data-label="Titel">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; {title}</td>'
        '<td data-label="Unternehmen">Müller &amp; Söhne &lt;gGmbH&gt;</td>'
        '<td data-label="Förderprogramm">Fonds {2026}</td>'
        '<td data-label="Status"><span class="badge state-draft">Entwurf</span></td>'
        '<td data-label="Zuletzt eingereicht"></td>'
        '<td data-label="Frist"></td>'
        '<td data-label="Beantragt" class="num">1.234,50&nbsp;€</td>'
        f'<td data-label="Letzte Änderung">{changed}</td></tr>'
    )


def test_dates_are_the_readers_day_in_berlin_and_written_in_its_language():
    late = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)  # 2 March in Berlin
    application = factories.ApplicationFactory(requested_amount=Decimal("50000"))
    type(application).objects.filter(pk=application.pk).update(
        updated_at=late, last_submitted_at=late, reference="RK-2026-0007"
    )
    coordinator = factories.coordinator()
    (german,) = rows(coordinator, "de")
    (english,) = rows(coordinator, "en")
    assert '<td data-label="Zuletzt eingereicht">02.03.2026</td>' in german
    assert '<td data-label="Last submitted">02/03/2026</td>' in english
    assert ">RK-2026-0007</a>" in german
    assert '<td data-label="Requested" class="num">50,000.00&nbsp;€</td>' in english


def test_the_page_shows_the_rows_in_its_table(client):
    application = factories.ApplicationFactory(title="Großküche")
    client.force_login(factories.coordinator())
    html = client.get(reverse("application-list")).content.decode()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == 1
    assert f'<a href="{reverse("application-detail", args=[application.pk])}">' in body
    assert '<td data-label="Titel">Großküche</td>' in body
