"""Print the signatures of a PDF, as the public verification page reports them."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from documents.signing import SigningError, config_from_settings, pdf_verify
from documents.verification import report_lines


class Command(BaseCommand):
    help = "Report each signature of a PDF: signer, time, intact, trusted, coverage."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            reports = pdf_verify(file.read_bytes(), config=config_from_settings())
        except SigningError as error:
            raise CommandError(str(error.message)) from error
        for line in report_lines(reports):
            self.stdout.write(line)
        if reports and not all(r.intact and r.valid for r in reports):
            raise CommandError("At least one signature is not intact.")
