"""Write the stored bytes of an application's decision letter to a file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from decisions import selectors
from decisions.letters import stored_bytes


class Command(BaseCommand):
    help = (
        "Write the stored PDF of the latest (or the N-th) decision letter of the application "
        "with REFERENCE to OUTFILE. The stored bytes are written as they are: nothing is "
        "rendered again."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="the application's reference number")
        parser.add_argument("outfile", help="where to write the PDF")
        parser.add_argument(
            "--letter", type=int, metavar="N", help="the letter's number (default: the latest)"
        )

    def handle(self, *args, reference, outfile, letter=None, **options):
        try:
            found = selectors.letter_by_reference(reference, letter)
        except LookupError as error:
            raise CommandError(str(error)) from error
        if not found.file or not found.sha256:
            raise CommandError(
                f"Letter {found.number} of {reference} is not rendered yet "
                f"(status: {found.status}). The worker renders it; try again later."
            )
        try:
            pdf = stored_bytes(found)
        except (OSError, ValueError) as error:
            raise CommandError(
                f"Cannot read letter {found.number} of {reference}: {error}"
            ) from error
        try:
            Path(outfile).write_bytes(pdf)
        except OSError as error:
            raise CommandError(f"Cannot write {outfile}: {error}") from error
        self.stdout.write(
            f"Wrote letter {found.number} of {reference} ({len(pdf)} bytes, "
            f"SHA-256 {found.sha256}) to {outfile}"
        )
