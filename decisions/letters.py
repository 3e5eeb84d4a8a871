"""The decision letter (Bescheid): render the PDF, store it once, mail it.

Rendering: ``templates/letters/decision_<language>.html`` (the wording; the DIN 5008 Form B
layout is ``decision.html``, the style ``letter.css``, the fonts ``fonts/``) → WeasyPrint →
tagged PDF/A-3 on A4. Resources come only from ``data:`` URLs and files under
``templates/letters/``.

Delivery: every step claims the letter row with a conditional UPDATE (its ``claimed_at`` is the
claim's token), so two runs of the task produce one file and one mail. The stored bytes never
change: a mail re-sends those bytes, never a re-rendering.

Faults: a rendering that fails goes back to ``pending`` (the task retries, the sweep re-queues)
until it has failed ``settings.LETTER_RENDER_ATTEMPTS`` times; then the letter is ``failed``
with the error recorded and shows on the office's start page. A letter still ``rendering``
after ``RENDER_STALE_AFTER`` lost its worker: the sweep puts it back (or fails it, counted as
an attempt); rendering twice is harmless, as only the claim's holder stores its file. A letter
still ``sending`` after ``SEND_STALE_AFTER`` may or may not have been mailed: ``uncertain``,
logged, never re-sent by itself (the office decides, ``services.resend_letter``).
"""

import hashlib
import logging
import mimetypes
import threading
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.db.models import Case, F, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.text import get_valid_filename
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from applications.models import Instrument
from notifications import inbox
from notifications.mails import absolute
from notifications.models import Notification

from .models import Decision, DecisionLetter
from .signals import letter_sent

logger = logging.getLogger(__name__)

LETTERS_DIR = Path(settings.BASE_DIR) / "templates" / "letters"
PDF_VARIANT = "pdf/a-3a"
LANGUAGES = ("de", "en")
DATE_FORMATS = {"de": "j. F Y", "en": "j F Y"}
# A letter renders in about a second: two minutes in rendering means its worker is gone.
RENDER_STALE_AFTER = timedelta(minutes=2)
# Sending waits for the SMTP server (EMAIL_TIMEOUT): only much later is it surely stuck.
SEND_STALE_AFTER = timedelta(minutes=10)
Status = DecisionLetter.Status
_thread_cache = threading.local()

# The sender printed on every letter; override with settings.LETTER_SENDER.
DEFAULT_SENDER = {
    "name": "Risikokapital für Integrationsunternehmen",
    "unit": "Koordinierungsstelle",
    "address": "Musterstraße 1 · 50667 Köln",
    "contact": "Koordinierungsstelle",
    "email": "koordination@risikokapital.local",
    "phone": "",
}

# The attachment's name per language (the mail's text: templates/mail/letter.txt and .html).
LETTER_FILENAMES = {
    "de": "Bescheid-{reference}-{number}.pdf",
    "en": "Decision-{reference}-{number}.pdf",
}


# ----- resources ------------------------------------------------------------------------------


class RefusedURL(ValueError):
    """A letter may only use data: URLs and files under templates/letters/."""


class LetterURLFetcher(URLFetcher):
    """Fetch ``data:`` URLs and files under ``root``; refuse everything else.

    Errors are fatal (``fail_on_errors``): a letter is never rendered with a missing font or
    stylesheet.
    """

    def __init__(self, root=LETTERS_DIR, **kwargs):
        kwargs.setdefault("fail_on_errors", True)
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, **kwargs)
        self.root = Path(root).resolve()

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "file":
            return self._fetch_file(url)
        if scheme != "data":
            raise RefusedURL(f"Refused URL in a letter: {url[:200]}")
        return super().fetch(url, headers)

    def _fetch_file(self, url):
        parts = urlsplit(url)
        path = Path(url2pathname(parts.path)).resolve()
        inside = parts.netloc in ("", "localhost") and path.is_relative_to(self.root)
        if not inside or not path.is_file():
            raise RefusedURL(f"Refused file in a letter: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
        )


# ----- rendering ------------------------------------------------------------------------------


def render_letter_pdf(letter) -> bytes:
    """The PDF bytes of a letter, in the letter's language."""
    language = letter_language(letter)
    with translation.override(language):
        html = render_to_string(
            f"letters/decision_{language}.html", letter_context(letter, language)
        )
    return html_to_pdf(html)


def html_to_pdf(html) -> bytes:
    stylesheet, font_config = letter_stylesheet()
    base_url = LETTERS_DIR.resolve().as_uri() + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=LetterURLFetcher())
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB output-intent profile for PDF/A and never closes it.
        warnings.filterwarnings("ignore", r"unclosed file .*sRGB2014\.icc", ResourceWarning)
        return document.write_pdf(
            pdf_variant=PDF_VARIANT, stylesheets=[stylesheet], font_config=font_config
        )


def letter_stylesheet():
    """letter.css with its fonts loaded, parsed once per thread (saves ~15 ms a letter)."""
    if not hasattr(_thread_cache, "stylesheet"):
        font_config = FontConfiguration()
        stylesheet = CSS(
            filename=LETTERS_DIR / "letter.css",
            url_fetcher=LetterURLFetcher(),
            font_config=font_config,
        )
        _thread_cache.stylesheet = (stylesheet, font_config)
    return _thread_cache.stylesheet


def letter_language(letter):
    return letter.language if letter.language in LANGUAGES else LANGUAGES[0]


def letter_sender():
    return {**DEFAULT_SENDER, **getattr(settings, "LETTER_SENDER", {})}


def letter_context(letter, language):
    decision = letter.decision
    application = letter.application
    sender = letter_sender()
    return {
        "language": language,
        "letter": letter,
        "decision": decision,
        "application": application,
        "programme": application.programme,
        "sender": sender,
        "return_address": f"{sender['name']} · {sender['address']}",
        "address_lines": application.organization.address_lines(),
        "approved": decision.outcome == Decision.Outcome.APPROVE,
        "is_loan": decision.instrument == Instrument.LOAN,
        "amount": format_money(decision.amount, language),
        "interest": format_percent(decision.interest_rate, language),
        "decided_on": format_date(decision.confirmed_at, language),
        "submitted_on": format_date(decision.application_version.submitted_at, language),
        "version_number": decision.application_version.number,
        "signatories": signatories(decision),
    }


def format_money(amount, language):
    """German: ``60.000,00 €``; English: ``€60,000.00``."""
    if amount is None:
        return ""
    text = f"{Decimal(amount):,.2f}"
    if language == "de":
        return text.replace(",", " ").replace(".", ",").replace(" ", ".") + " €"
    return f"€{text}"


def format_percent(rate, language):
    if rate is None:
        return ""
    if language == "de":
        return f"{Decimal(rate):.2f}".replace(".", ",") + " % p. a."
    return f"{Decimal(rate):.2f}% p.a."


def format_date(moment, language):
    if moment is None:
        return ""
    with translation.override(language):
        return dateformat.format(timezone.localtime(moment).date(), DATE_FORMATS[language])


def signatories(decision):
    users = [decision.proposed_by, decision.confirmed_by]
    names = [user.get_full_name() or user.get_username() for user in users if user]
    return list(dict.fromkeys(names))


# ----- delivery ---------------------------------------------------------------------------------


def load_letter(letter_id):
    return DecisionLetter.objects.select_related(
        "application__organization",
        "application__programme",
        "decision__application_version",
        "decision__proposed_by",
        "decision__confirmed_by",
    ).get(pk=letter_id)


def claim(letter_id, source, target, **changes):
    """Move the letter from ``source`` to ``target``; the claim's token, or None if lost."""
    token = timezone.now()
    rows = DecisionLetter.objects.filter(pk=letter_id, status=source).update(
        status=target, claimed_at=token, **changes
    )
    return token if rows else None


def finish(letter_id, token, sources, target, **changes):
    """Move a letter we claimed with ``token`` on; False if the claim was taken from us."""
    rows = DecisionLetter.objects.filter(pk=letter_id, claimed_at=token, status__in=sources).update(
        status=target, **changes
    )
    return rows == 1


def produce(letter_id):
    """Render and store a pending letter. True if this run did it."""
    token = claim(letter_id, Status.PENDING, Status.RENDERING, attempts=F("attempts") + 1)
    if token is None:
        return False
    try:
        store(load_letter(letter_id), token)
    except Exception as error:
        if _render_failed(letter_id, token, error):
            return False  # failed for good: no retry
        raise
    return True


def _after_failure(reason):
    """The status after a failed or interrupted rendering: failed once attempts are used up."""
    limit = settings.LETTER_RENDER_ATTEMPTS
    return {
        "status": Case(
            When(attempts__gte=limit, then=Value(Status.FAILED)), default=Value(Status.PENDING)
        ),
        "last_error": reason,
    }


def _render_failed(letter_id, token, error):
    """Record the error: back to pending, or failed after the last attempt (True then)."""
    reason = f"{type(error).__name__}: {error}"[:2000]
    DecisionLetter.objects.filter(pk=letter_id, claimed_at=token, status=Status.RENDERING).update(
        **_after_failure(reason)
    )
    row = DecisionLetter.objects.filter(pk=letter_id).values("status", "attempts").first() or {}
    if row.get("status") == Status.FAILED:
        logger.error(
            "Letter %s: rendering failed %s times, now failed: %s",
            letter_id,
            row["attempts"],
            reason,
        )
        return True
    logger.warning("Letter %s: rendering failed; back to pending: %s", letter_id, reason)
    return False


def store(letter, token):
    pdf = render_letter_pdf(letter)
    letter.sha256 = hashlib.sha256(pdf).hexdigest()
    letter.file.save(f"{letter.number}.pdf", ContentFile(pdf), save=False)
    name, storage = letter.file.name, letter.file.storage
    try:
        stored = finish(
            letter.pk,
            token,
            [Status.RENDERING],
            Status.RENDERED,
            file=name,
            sha256=letter.sha256,
            rendered_at=timezone.now(),
        )
    except Exception:
        storage.delete(name)
        raise
    if not stored:
        storage.delete(name)
        logger.warning("Letter %s: rendering claim lost; discarded %s", letter.pk, name)


def dispatch(letter_id):
    """Mail a rendered letter. True if this run sent it."""
    token = claim(letter_id, Status.RENDERED, Status.SENDING)
    if token is None:
        return False
    try:
        recipients = send_letter_mail(load_letter(letter_id))
    except Exception:
        logger.warning("Letter %s: sending failed; back to rendered", letter_id)
        finish(letter_id, token, [Status.SENDING], Status.RENDERED)
        raise
    sources = [Status.SENDING, Status.UNCERTAIN]
    if not finish(
        letter_id, token, sources, Status.SENT, sent_at=timezone.now(), recipients=recipients
    ):
        logger.error("Letter %s: mailed, but its sending claim was lost", letter_id)
    else:
        letter_sent.send_robust(sender=DecisionLetter, letter_id=letter_id)
    return True


def stored_bytes(letter):
    """The stored PDF, checked against its SHA-256."""
    with letter.file.open("rb") as stream:
        pdf = stream.read()
    if hashlib.sha256(pdf).hexdigest() != letter.sha256:
        raise ValueError(f"Letter {letter.pk}: stored file does not match its SHA-256")
    return pdf


def send_letter_mail(letter):
    """Send the stored PDF to the organisation and its applicant users; the recipients.

    The text and the HTML part come from ``templates/mail/letter.txt`` (first line: the
    subject) and ``letter.html``, in the letter's language (the organisation's).
    """
    application = letter.application
    recipients = letter_recipients(application.organization)
    subject, body, html = letter_mail(letter)
    sender = letter_sender()
    message = EmailMultiAlternatives(
        subject,
        body,
        to=recipients,
        reply_to=[sender["email"]] if sender["email"] else None,
    )
    message.attach_alternative(html, "text/html")
    message.attach(letter_filename(letter), stored_bytes(letter), "application/pdf")
    message.send()
    write_inboxes(letter, subject, body)
    return recipients


def write_inboxes(letter, subject, body):
    """The letter's entry in the inbox of each active member of the organisation."""
    application = letter.application
    members = get_user_model().objects.filter(
        memberships__organization=application.organization, is_active=True
    )
    url = absolute(reverse("application-detail", args=[application.pk]))
    inbox.deliver(
        [
            Notification(
                user_id=user_id,
                kind="letter",
                subject=subject,
                body=body.strip(),
                url=url,
                application_id=application.pk,
                reference=application.reference or "",
            )
            for user_id in members.order_by("pk").values_list("pk", flat=True).distinct()
        ]
    )


def letter_mail(letter):
    """``(subject, text, html)`` of the letter's mail, in the letter's language."""
    language = letter_language(letter)
    application = letter.application
    context = {
        "language": language,
        "reference": application.reference or "",
        "title": application.title,
        "organization": application.organization.name,
        "number": letter.number,
        "sender": letter_sender()["name"],
        "url": absolute(reverse("application-detail", args=[application.pk])),
    }
    with translation.override(language):
        text = render_to_string("mail/letter.txt", context)
        html = render_to_string("mail/letter.html", context)
    subject, _, body = text.strip().partition("\n")
    return " ".join(subject.split()), body.strip() + "\n", html.strip()


def letter_filename(letter):
    fields = {"reference": letter.application.reference, "number": letter.number}
    return get_valid_filename(LETTER_FILENAMES[letter_language(letter)].format(**fields))


def letter_recipients(organization):
    users = get_user_model().objects.filter(memberships__organization=organization, is_active=True)
    emails = [organization.contact_email, *users.order_by("pk").values_list("email", flat=True)]
    unique = {}
    for email in filter(None, emails):
        unique.setdefault(email.strip().lower(), email.strip())
    return list(unique.values())


def sweep(requeue, now=None):
    """Re-queue unsent letters; flag letters stuck in sending as uncertain; put letters stuck in
    rendering back to pending (failed once their attempts are used up). Four queries."""
    now = now or timezone.now()
    mark_uncertain(now - SEND_STALE_AFTER)
    released = DecisionLetter.objects.filter(
        status=Status.RENDERING, claimed_at__lt=now - RENDER_STALE_AFTER
    ).update(**_after_failure("Rendering interrupted: the worker stopped while rendering."))
    if released:
        logger.warning("Letter sweep: %d letter(s) stuck in rendering released", released)
    ids = list(
        DecisionLetter.objects.filter(status__in=[Status.PENDING, Status.RENDERED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for letter_id in ids:
        requeue(letter_id)
    return ids


def mark_uncertain(stale):
    """A crash between the mail server's acceptance and our commit: flag it, never re-send."""
    stuck = DecisionLetter.objects.filter(status=Status.SENDING, claimed_at__lt=stale)
    rows = list(stuck.values_list("pk", "application__reference", "number"))
    if rows:
        stuck.filter(pk__in=[pk for pk, _, _ in rows]).update(status=Status.UNCERTAIN)
    for pk, reference, number in rows:
        logger.error(
            "Letter %s (%s, letter %s) was stuck in sending: marked uncertain; check the mail "
            "log before sending it again",
            pk,
            reference,
            number,
        )
    return [pk for pk, _, _ in rows]


ATTENTION = (Status.FAILED, Status.UNCERTAIN)


def needing_attention(limit=5):
    """``(count, first letters)`` of the letters the office must look at: failed or uncertain.

    One query when there are none, two otherwise (the start page stays constant).
    """
    letters = DecisionLetter.objects.filter(status__in=ATTENTION)
    count = letters.count()
    if not count:
        return 0, []
    first = letters.select_related("application").order_by("created_at", "pk")[:limit]
    return count, list(first)
