"""Guidance while the company fills in its application (issue 10, item 2): each section
complete or not, a refusal that names and links each field, shares shown beside the fields
(on the server, and kept current by static/js/shares.js), the documents checklist, and a
confirmation before a document is removed."""

import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from applications import presenters
from applications.models import Document, share
from funding.numbers import LocalDecimalField
from reviews import services as review_services
from tests import factories, states

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "shares.js"
REQUIRED = "This field is required for the submission."


def page(response):
    return response.content.decode()


def section_url(application, section):
    return reverse("application-section", args=[application.pk, section])


# ----- complete / incomplete per section ------------------------------------------------------


def test_the_application_page_says_which_sections_are_complete(client):
    draft = factories.ApplicationFactory(requested_amount=None, staff_total=None)
    client.force_login(draft.created_by)
    html = page(client.get(reverse("application-detail", args=[draft.pk]), **ENGLISH))
    status = dict(
        re.findall(
            r'<section class="card" id="(\w+)">\s*<h2>.*?class="badge section-\w+">(\w+)<', html
        )
    )
    assert status == {
        "project": "complete",
        "financing": "incomplete",
        "employment": "incomplete",
        "cooperation": "complete",
        "de_minimis": "complete",
    }


def test_a_broken_rule_makes_its_section_incomplete(client):
    draft = factories.ApplicationFactory(own_contribution=Decimal("10000.00"))  # below 20 %
    client.force_login(draft.created_by)
    html = page(client.get(reverse("application-detail", args=[draft.pk]), **ENGLISH))
    assert html.count('<span class="badge section-incomplete">incomplete</span>') == 1
    assert html.count('<span class="badge section-complete">complete</span>') == 4
    assert re.search(r'id="financing">\s*<h2>[^\n]*section-incomplete', html)


def test_no_section_status_for_those_who_cannot_edit(client):
    application = states.submitted()
    client.force_login(application.created_by)
    html = page(client.get(reverse("application-detail", args=[application.pk]), **ENGLISH))
    assert "section-complete" not in html
    assert "section-incomplete" not in html


def test_the_submit_page_lists_every_section_with_its_status(client):
    draft = states.draft(staff_severely_disabled=None)
    client.force_login(draft.created_by)
    response = client.get(reverse("application-submit", args=[draft.pk]), **ENGLISH)
    assert response.status_code == 200
    statuses = [(group.key, group.complete) for group in response.context["checklist"]]
    assert statuses == [
        ("project", True),
        ("financing", True),
        ("employment", False),
        ("cooperation", True),
        ("de_minimis", True),
        ("documents", True),
    ]
    html = page(response)
    assert html.count('<span class="badge section-complete">complete</span>') == 5
    assert html.count('<span class="badge section-incomplete">incomplete</span>') == 1


# ----- the refusal names and links each field ---------------------------------------------------


def test_a_refused_submission_names_each_field_once_with_its_link(client):
    draft = factories.ApplicationFactory(requested_amount=None, staff_total=None)
    client.force_login(draft.created_by)
    response = client.post(
        reverse("application-submit", args=[draft.pk]), {"declared_truthful": "on"}, **ENGLISH
    )
    assert response.status_code == 422
    html = page(response)
    financing = section_url(draft, "financing")
    employment = section_url(draft, "employment")
    for line in (
        f'<li><a href="{financing}?check=1#id_requested_amount">Requested amount (EUR)</a>: '
        f"{REQUIRED}</li>",
        f'<li><a href="{employment}?check=1#id_staff_total">Total staff</a>: {REQUIRED}</li>',
        '<li><a href="#declarations">Declarations</a>: '
        "Please confirm all declarations before submitting.</li>",
        '<fieldset id="declarations">',
    ):
        assert html.count(line) == 1, line
    assert html.count(REQUIRED) == 2  # one per field, each under its label
    assert html.count("Please confirm all declarations before submitting.") == 1
    documents = reverse("application-documents", args=[draft.pk])
    for label in ("Business plan", "Financing plan", "Register extract"):
        message = f"The document “{label}” is missing."
        assert html.count(message) == 1
        assert f'<li><a href="{documents}#required">{message}</a></li>' in html
    assert response.context["form"].non_field_errors() == []
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_the_refusal_in_german_reads_label_colon_message(client):
    draft = factories.ApplicationFactory(requested_amount=None)
    client.force_login(draft.created_by)
    response = client.post(reverse("application-submit", args=[draft.pk]), {}, **GERMAN)
    html = page(response)
    assert response.status_code == 422
    assert (
        f'<a href="{section_url(draft, "financing")}?check=1#id_requested_amount">'
        "Beantragter Betrag (EUR)</a>: Dieses Feld ist für die Einreichung erforderlich.</li>"
    ) in html
    assert html.count("Dieses Feld ist für die Einreichung erforderlich.") == 1
    assert html.count("Bitte bestätigen Sie vor der Einreichung alle Erklärungen.") == 1


def test_several_rules_on_one_field_share_its_label(client):
    # 200,000 of 100,000: above the programme's maximum, above 80 % and above the job cap
    draft = states.draft(requested_amount=Decimal("200000.00"))
    client.force_login(draft.created_by)
    response = client.post(
        reverse("application-submit", args=[draft.pk]),
        dict.fromkeys(states.DECLARATIONS, "on"),
        **ENGLISH,
    )
    assert response.status_code == 422
    html = page(response)
    assert html.count("Requested amount (EUR)</a>: ") == 1
    (entry,) = [
        e
        for g in response.context["checklist"]
        for e in g.entries
        if e.label == "Requested amount (EUR)"
    ]
    assert entry.url == f"{section_url(draft, 'financing')}?check=1#id_requested_amount"
    assert len(entry.messages) == 3
    assert [html.count(escape(message)) for message in entry.messages] == [1, 1, 1]
    assert "Declarations" not in [e.label for g in response.context["checklist"] for e in g.entries]


def test_the_checklist_lists_a_message_once_even_if_a_rule_repeats_it():
    application = factories.ApplicationFactory()
    groups = presenters.checklist(
        application, {"title": ["Missing.", "Missing."], None: ["Closed."]}
    )
    project = groups[0]
    assert [(e.label, e.messages) for e in project.entries] == [
        ("Title of the project", ("Missing.",))
    ]
    assert (groups[-1].key, groups[-1].entries[0]) == (
        "submit",
        presenters.Entry(None, None, ("Closed.",)),
    )


def test_a_state_conflict_on_submission_is_said_once_above_the_form(client):
    draft = states.draft()
    client.force_login(draft.created_by)
    target = reverse("application-submit", args=[draft.pk])
    declarations = dict.fromkeys(states.DECLARATIONS, "on")
    assert client.post(target, declarations).status_code == 302
    response = client.post(target, declarations, **ENGLISH)
    assert response.status_code == 409
    html = page(response)
    conflict = escape(
        "This action is not possible in the application's current state, or someone else "
        "changed it in the meantime. Please reload the page."
    )
    assert html.count(conflict) == 1
    assert html.index(conflict) > html.index("<form")


# ----- no message twice when starting a review round --------------------------------------------


def test_starting_a_round_with_too_few_reviewers_says_so_once(client):
    application, coordinator, _reviewers = states.with_reviewers(count=1)
    client.force_login(coordinator)
    round_page = page(client.get(reverse("review-round", args=[application.pk]), **ENGLISH))
    rule = "The review round needs at least 2 active assignments."
    assert round_page.count(rule) == 1
    response = client.post(reverse("review-start", args=[application.pk]), **ENGLISH)
    assert response.status_code == 422
    html = page(response)
    assert html.count("At least 2 active reviewer assignments are needed to start.") == 1
    assert html.count(rule) == 0
    assert html.count("active reviewer assignments") == 1


def test_a_round_started_twice_says_so_once(client):
    application, coordinator, _reviewers = states.with_reviewers()
    review_services.start_review(coordinator, application)
    client.force_login(coordinator)
    response = client.post(reverse("review-start", args=[application.pk]), **ENGLISH)
    assert response.status_code == 409
    assert page(response).count('<div class="notice error" role="alert">') == 1


# ----- shares beside the fields, computed on the server -----------------------------------------


def shares_of(response):
    """{part field: shown share} of a section form page ('' when hidden)."""
    found = {}
    for box in re.findall(r'<p class="share".*?</p>', page(response), flags=re.S):
        part = re.search(r'data-part="id_(\w+)"', box).group(1)
        value = re.search(r"<output[^>]*>(.*?)</output>", box)
        found[part] = value.group(1) if value else None
    return found


def test_financing_shares_in_german_and_english(client):
    draft = factories.ApplicationFactory()  # 60,000 and 25,000 of 100,000
    client.force_login(draft.created_by)
    german = client.get(section_url(draft, "financing"), **GERMAN)
    assert shares_of(german) == {
        "requested_amount": "60,0&nbsp;%",
        "own_contribution": "25,0&nbsp;%",
    }
    html = page(german)
    assert "Anteil an der förderfähigen Investition: <output" in html
    assert 'data-whole-value="100000.00"' in html
    english = client.get(section_url(draft, "financing"), **ENGLISH)
    assert shares_of(english) == {
        "requested_amount": "60.0&nbsp;%",
        "own_contribution": "25.0&nbsp;%",
    }
    html = page(english)
    assert "The programme allows at most 80 %." in html
    assert "The programme requires at least 20 %." in html


def test_the_quota_is_rounded_half_to_even_like_the_model(client):
    draft = factories.ApplicationFactory(staff_total=16, staff_severely_disabled=1)  # 6.25 %
    client.force_login(draft.created_by)
    assert shares_of(client.get(section_url(draft, "employment"), **GERMAN)) == {
        "staff_severely_disabled": "6,2&nbsp;%"
    }
    assert draft.severely_disabled_share == Decimal("6.2")


@pytest.mark.parametrize(
    ("language", "typed", "shown"),
    [
        (GERMAN, "30.000,00", "30,0&nbsp;%"),
        (GERMAN, "30000", "30,0&nbsp;%"),
        (ENGLISH, "30,000.00", "30.0&nbsp;%"),
        (GERMAN, "1.5", ""),  # refused: the share is not shown
        (ENGLISH, "1,5", ""),
    ],
)
def test_a_refused_form_shows_the_share_of_what_was_typed(client, language, typed, shown):
    draft = factories.ApplicationFactory()
    client.force_login(draft.created_by)
    data = {"instrument": "silent_partnership", "own_contribution": typed, "version": -1}
    response = client.post(section_url(draft, "financing"), data, **language)
    assert response.status_code in (400, 409)  # a value that cannot be read, or a stale version
    assert shares_of(response)["own_contribution"] == shown
    box = re.search(r'<p class="share" id="id_own_contribution_share".*?</p>', page(response), re.S)
    assert ('<span class="share-value" hidden>' in box.group(0)) is (shown == "")


def test_without_the_eligible_investment_the_page_says_where_to_fill_it_in(client):
    draft = factories.ApplicationFactory(eligible_costs=None)
    client.force_login(draft.created_by)
    html = page(client.get(section_url(draft, "financing"), **ENGLISH))
    note = (
        "The share is shown once “Eligible investment, net of VAT (EUR)” is filled in "
        "(section “Project and investment”)."
    )
    assert html.count(note) == 2
    assert "data-whole-value" not in html


# ----- the script: a local file, no inline script ------------------------------------------------

INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


def assert_no_inline_script(html):
    scripts = re.findall(r"<script\b[^>]*>", html, re.I)
    assert all(re.search(r'\ssrc="/static/', tag) for tag in scripts), scripts
    assert set(re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.I | re.S)) <= {""}
    assert INLINE_HANDLER.search(html) is None


def test_the_script_is_served_and_only_the_section_form_references_it(client):
    draft = states.draft()
    document = draft.documents.first()
    client.force_login(draft.created_by)
    served = client.get("/static/js/shares.js")
    assert served.status_code == 200
    assert b"".join(served.streaming_content) == SCRIPT.read_bytes()
    stylesheet = client.get("/static/css/guidance.css")
    assert stylesheet.status_code == 200
    assert b"".join(stylesheet.streaming_content).startswith(b"/* Guidance")
    tag = '<script src="/static/js/shares.js" defer></script>'
    for name, url, count in (
        ("financing", section_url(draft, "financing"), 1),
        ("employment", section_url(draft, "employment"), 1),
        ("project", section_url(draft, "project"), 0),
        ("submit", reverse("application-submit", args=[draft.pk]), 0),
        ("documents", reverse("application-documents", args=[draft.pk]), 0),
        ("confirm", reverse("document-delete", args=[draft.pk, document.pk]), 0),
        ("detail", reverse("application-detail", args=[draft.pk]), 0),
    ):
        response = client.get(url, **GERMAN)
        assert response.status_code == 200, name
        html = page(response)
        assert html.count(tag) == count, name
        css_link = '<link rel="stylesheet" href="/static/css/guidance.css">'
        assert html.count(css_link) == (
            name in ("financing", "employment", "project", "submit", "documents")
        ), name
        assert_no_inline_script(html)
        assert "script-src 'self'" in response["Content-Security-Policy"]


NODE_RUNNER = r"""
const fs = require("fs");
const vm = require("vm");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const elements = {};
function field(id) {
  const element = { id, type: "text", value: "", listeners: [],
    addEventListener(kind, listener) { if (kind === "input") this.listeners.push(listener); } };
  elements[id] = element;
  return element;
}
const part = field("id_part");
const whole = field("id_whole");
const output = { textContent: "" };
const holder = { hidden: true };
const dataset = { part: "id_part", partPlaces: "2", wholePlaces: "2" };
if (input.wholeValue === undefined) { dataset.whole = "id_whole"; }
else { dataset.wholeValue = input.wholeValue; }
const box = { dataset, querySelector: (selector) => (selector === "output" ? output : holder) };
global.document = {
  documentElement: { lang: input.lang },
  getElementById: (id) => elements[id] || null,
  querySelectorAll: () => [box],
};
vm.runInThisContext(fs.readFileSync(input.script, "utf8"));
const shown = input.cases.map(([typedPart, typedWhole]) => {
  part.value = typedPart;
  whole.value = typedWhole;
  part.listeners.forEach((listener) => listener());
  return holder.hidden ? null : output.textContent;
});
process.stdout.write(JSON.stringify(shown));
"""


def run_script(lang, cases, whole_value=None):
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("Node.js is not installed")
    data = {"lang": lang, "script": str(SCRIPT), "cases": cases}
    if whole_value is not None:
        data["wholeValue"] = whole_value
    result = subprocess.run(
        [node, "-e", NODE_RUNNER],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return json.loads(result.stdout)


def server_share(lang, typed_part, typed_whole):
    """What the server shows for these inputs: parsed by the amount fields' form field."""
    field = LocalDecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    with translation.override(lang):
        try:
            part, whole = field.clean(typed_part), field.clean(typed_whole)
        except ValidationError:
            return None
        value = share(part, whole)
        return None if value is None else f"{presenters._percent(value)}\u00a0%"


TYPED = {
    "de": [
        ("25.000", "100.000"),
        ("25.000,00", "100000"),
        (" 25 000 € ", "€ 100.000,-"),
        ("+25000,5", "100.000"),
        ("1.234,5600", "10.000"),
        ("1", "16"),
        ("3", "16"),
        ("1.5", "100"),  # the English decimal sign
        ("20,000", "100.000"),  # ambiguous
        ("1,500", "100"),  # ambiguous
        ("1.2.3", "100"),
        ("12,345", "100"),
        ("-5", "100"),
        ("abc", "100"),
        ("", "100"),
        ("5", "0"),
        ("5", ""),
    ],
    "en": [
        ("25,000", "100,000"),
        ("25,000.00", "100000"),
        (" 25 000 € ", "€100,000"),
        ("1,234.5600", "10,000"),
        ("1", "16"),
        ("1,5", "100"),  # the German decimal sign
        ("20.000", "100,000"),  # ambiguous
        ("1.2.3", "100"),
        ("-5", "100"),
        ("5", "0"),
    ],
}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_script_reads_numbers_as_the_server_does(lang):
    cases = TYPED[lang]
    expected = [server_share(lang, part, whole) for part, whole in cases]
    assert run_script(lang, cases) == expected
    # and what that means, spelled out for German
    if lang == "de":
        assert expected[:8] == [
            "25,0\u00a0%",
            "25,0\u00a0%",
            "25,0\u00a0%",
            "25,0\u00a0%",
            "12,3\u00a0%",
            "6,2\u00a0%",
            "18,8\u00a0%",
            None,
        ]
        assert set(expected[8:]) == {None}


def test_the_script_divides_by_a_whole_from_another_section():
    assert run_script("de", [["25.000", ""], ["x", ""]], whole_value="100000.00") == [
        "25,0\u00a0%",
        None,
    ]
    assert run_script("en", [["60,000", ""]], whole_value="100000.00") == ["60.0\u00a0%"]


# ----- the documents checklist ----------------------------------------------------------------


def test_the_documents_page_is_a_checklist_with_the_limits_up_front(client, settings):
    settings.MAX_UPLOAD_BYTES = 5 * 2**20
    draft = states.draft()
    draft.documents.filter(kind="register_extract").delete()
    client.force_login(draft.created_by)
    response = client.get(reverse("application-documents", args=[draft.pk]), **ENGLISH)
    html = page(response)
    assert html.count("PDF files only, at most 5 MB per file.") == 1
    assert html.index("at most 5 MB") < html.index("Required documents") < html.index('type="file"')
    items = re.findall(
        r'<li id="required-(\w+)"><span class="badge document-\w+">([^<]+)</span>', html
    )
    assert items == [
        ("business_plan", "✓ uploaded"),
        ("financing_plan", "✓ uploaded"),
        ("register_extract", "missing"),
        ("recognition", "✓ uploaded"),
        ("cooperation_agreement", "✓ uploaded"),
    ]
    # the upload form offers the missing kind first
    assert response.context["form"]["kind"].value() == "register_extract"


def test_without_documents_every_required_kind_is_missing(client):
    draft = factories.ApplicationFactory()
    client.force_login(draft.created_by)
    html = page(client.get(reverse("application-documents", args=[draft.pk]), **ENGLISH))
    assert html.count('<span class="badge document-missing">missing</span>') == 5
    assert "✓" not in html


# ----- removing a document asks first ---------------------------------------------------------


def test_get_asks_for_confirmation_and_removes_nothing(client):
    draft = states.draft()
    document = draft.documents.get(kind="business_plan")
    client.force_login(draft.created_by)
    url = reverse("document-delete", args=[draft.pk, document.pk])
    documents_html = page(client.get(reverse("application-documents", args=[draft.pk]), **ENGLISH))
    assert f'href="{url}"' in documents_html
    assert f'action="{url}"' not in documents_html  # no one-click removal
    response = client.get(url, **ENGLISH)
    assert response.status_code == 200
    html = page(response)
    assert "<h1>Remove the document?</h1>" in html
    assert f"<dt>File</dt><dd>{document.original_name}</dd>" in html
    assert "<dt>Kind</dt><dd>Business plan</dd>" in html
    assert f"<dt>Size</dt><dd>{document.size}\xa0bytes</dd>" in html
    assert '<button class="danger" type="submit">Remove</button>' in html
    cancel = reverse("application-documents", args=[draft.pk])
    assert f'<a class="button secondary" href="{cancel}">Cancel</a>' in html
    assert Document.objects.filter(pk=document.pk).exists()


def test_post_removes_and_goes_back_with_303(client):
    draft = states.draft()
    document = draft.documents.get(kind="business_plan")
    client.force_login(draft.created_by)
    response = client.post(reverse("document-delete", args=[draft.pk, document.pk]))
    assert (response.status_code, response["Location"]) == (
        303,
        reverse("application-documents", args=[draft.pk]),
    )
    assert not Document.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("other_company", 404), ("coordinator", 403), ("owner_after_submission", 409)],
)
def test_the_confirmation_page_is_refused_as_the_removal_would_be(client, who, status):
    application = states.submitted() if who == "owner_after_submission" else states.draft()
    document = application.documents.first()
    user = {
        "other_company": factories.applicant,
        "coordinator": factories.coordinator,
        "owner_after_submission": lambda: application.created_by,
    }[who]()
    client.force_login(user)
    url = reverse("document-delete", args=[application.pk, document.pk])
    assert client.get(url).status_code == status
    assert client.post(url).status_code == status
    assert Document.objects.filter(pk=document.pk).exists()


def test_an_unknown_document_answers_404(client):
    draft = states.draft()
    client.force_login(draft.created_by)
    assert client.get(reverse("document-delete", args=[draft.pk, 999999])).status_code == 404
