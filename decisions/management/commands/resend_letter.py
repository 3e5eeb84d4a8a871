"""Send an application's decision letter once more, or render a failed one again."""

from django.core.management.base import BaseCommand, CommandError

from decisions import selectors, services
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
        try:
            found = selectors.letter_by_reference(reference, letter)
        except LookupError as error:
            raise CommandError(str(error)) from error
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
