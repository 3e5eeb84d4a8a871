"""Send an application's decision letter once more, or render a failed one again."""

from django.core.management.base import BaseCommand, CommandError

from applications.models import Application
from decisions import services
from decisions.models import DecisionLetter
from funding.errors import StateConflict


class Command(BaseCommand):
    help = (
        "Send the latest (or the N-th) decision letter of the application with REFERENCE once "
        "more: a sent or uncertain letter is mailed again from its stored bytes (the company "
        "may receive it twice), a failed one is rendered again and then mailed. Recorded in "
        "the letter's history as done by this command."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="the application's reference number")
        parser.add_argument(
            "--letter", type=int, metavar="N", help="the letter's number (default: the latest)"
        )

    def handle(self, *args, reference, letter=None, **options):
        found = find_letter(reference, letter)
        previous = found.status
        try:
            done = services.resend_letter(None, found)
        except StateConflict as error:
            raise CommandError(
                f"Letter {found.number} of {reference} is {previous}: {error.message} "
                "Only a sent, uncertain or failed letter can be sent again."
            ) from error
        what = "rendered again and then mailed" if done.status == "pending" else "mailed again"
        self.stdout.write(
            f"Letter {done.number} of {reference} (was {previous}) is queued to be {what} "
            f"to the company; recorded in its history."
        )


def find_letter(reference, number=None):
    application = Application.objects.filter(reference=reference).first()
    if application is None:
        raise CommandError(f'No application with reference "{reference}".')
    letters = DecisionLetter.objects.filter(application=application).order_by("-number")
    if number is not None:
        letters = letters.filter(number=number)
    found = letters.select_related("application").first()
    if found is None:
        which = f"letter {number}" if number is not None else "decision letter"
        raise CommandError(f"Application {reference} has no {which}.")
    return found
