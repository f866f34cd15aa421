"""The aggregate of opinions (tổng hợp ý kiến): a PDF with reportlab, and a CSV.

DejaVu fonts cover every Vietnamese letter (reportlab's bundled Vera does not), and
all text is NFC-normalised: reportlab does no shaping, so decomposed marks would be
drawn stacked.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cabinet.ballots.selectors import ballot_board, ballot_tally
from cabinet.models.ballots import BallotPage, Choice
from cabinet.text import nfc

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path(__file__).resolve().parent / "fonts",
)


@cache
def _fonts() -> tuple[str, str]:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSerif.ttf", folder / "DejaVuSerif-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("EcabSerif", str(regular)))
            pdfmetrics.registerFont(TTFont("EcabSerif-Bold", str(bold)))
            return "EcabSerif", "EcabSerif-Bold"
    raise RuntimeError(
        "DejaVu fonts are missing: install fonts-dejavu-core (make test does)."
    )


def _p(text, style) -> Paragraph:
    return Paragraph(escape(nfc(str(text))).replace("\n", "<br/>"), style)


def _when(dt) -> str:
    return date_format(timezone.localtime(dt), "H:i d/m/Y") if dt else ""


def report_pdf(*, ballot: BallotPage, language: str = "vi") -> bytes:
    regular, bold = _fonts()
    with translation.override(language):
        return _build(ballot, regular, bold)


def _build(ballot: BallotPage, regular: str, bold: str) -> bytes:
    base = ParagraphStyle("base", fontName=regular, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=11)
    head = ParagraphStyle(
        "head", parent=base, fontName=bold, fontSize=11, alignment=1, leading=15
    )
    title = ParagraphStyle(
        "title", parent=base, fontName=bold, fontSize=14, alignment=1, leading=18
    )
    h2 = ParagraphStyle("h2", parent=base, fontName=bold, fontSize=11, spaceBefore=8)
    tally = ballot_tally(ballot=ballot)
    rows = ballot_board(ballot=ballot)
    questions = list(ballot.questions.all())
    labels = dict(Choice.choices)

    story = [
        _p("VĂN PHÒNG CHÍNH PHỦ", head),
        Spacer(1, 4 * mm),
        _p(_("AGGREGATE OF OPINIONS OF THE GOVERNMENT MEMBERS"), title),
        _p(ballot.title, head),
        Spacer(1, 4 * mm),
    ]
    facts = [
        (_("Presenting ministry"), str(ballot.presenting_ministry or "")),
        (_("Issued"), _when(ballot.issued_at)),
        (_("Deadline"), _when(ballot.deadline)),
        (_("Status"), str(ballot.get_status_display())),
        (_("Members polled"), str(tally.member_count)),
        (_("Answered"), str(tally.answered)),
        (_("Not answered"), str(tally.outstanding)),
        (
            _("Threshold"),
            _("%(n)s agreeing members (more than half of all %(m)s members)")
            % {"n": tally.threshold, "m": tally.member_count},
        ),
    ]
    if ballot.closed_at:
        facts.append((_("Closed"), _when(ballot.closed_at)))
    facts_table = Table(
        [[_p(k, small), _p(v, base)] for k, v in facts], colWidths=[45 * mm, 125 * mm]
    )
    facts_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [facts_table, Spacer(1, 3 * mm)]

    story.append(_p(_("Result"), h2))
    result_rows = [
        [
            _p(_("Question"), small),
            _p(_("Agree"), small),
            _p(_("Disagree"), small),
            _p(_("Other opinion"), small),
            _p(_("Threshold"), small),
            _p(_("Result"), small),
        ]
    ]
    for number, q in enumerate(tally.questions, start=1):
        verdict = _("Passed") if q.passed else _("Not passed")
        result_rows.append(
            [
                _p(f"{number}. {q.text}", small),
                _p(q.agree, base),
                _p(q.disagree, base),
                _p(q.other, base),
                _p(f"{q.agree}/{q.threshold}", base),
                _p(verdict, base),
            ]
        )
    result_table = Table(
        result_rows,
        colWidths=[70 * mm, 17 * mm, 20 * mm, 20 * mm, 20 * mm, 23 * mm],
        repeatRows=1,
    )
    result_table.setStyle(_grid())
    story += [result_table, Spacer(1, 2 * mm)]
    overall = (
        _("The ballot is approved: more than half of all members agree.")
        if tally.passed
        else _("The ballot is not approved: fewer than the threshold agree.")
    )
    story.append(_p(overall, base))

    story.append(_p(_("Answers of the members"), h2))
    header = [_p("#", small), _p(_("Member"), small)]
    header += [
        _p(_("Question %(n)s") % {"n": i}, small) for i in range(1, len(questions) + 1)
    ]
    header += [_p(_("Opinion"), small), _p(_("Answered"), small)]
    member_rows = [header]
    for i, row in enumerate(rows, start=1):
        answer = row.answer
        cells = [
            _p(i, small),
            _p(f"{row.name}\n{row.position}" if row.position else row.name, small),
        ]
        for q in questions:
            choice = row.choices.get(q.pk)
            cells.append(
                _p(labels.get(choice, _("Overdue") if row.overdue else "—"), small)
            )
        cells.append(_p(answer.comment if answer else "", small))
        cells.append(_p(_when(answer.updated_at) if answer else "", small))
        member_rows.append(cells)
    question_width = min(22, 66 // max(1, len(questions))) * mm
    widths = [10 * mm, 48 * mm] + [question_width] * len(questions)
    widths += [170 * mm - sum(widths) - 22 * mm, 22 * mm]
    members_table = Table(member_rows, colWidths=widths, repeatRows=1)
    members_table.setStyle(_grid())
    story.append(members_table)

    overdue = [r for r in rows if r.overdue]
    if overdue:
        story.append(_p(_("Overdue (no answer by the deadline)"), h2))
        story.append(_p(", ".join(r.name for r in overdue), base))
    story.append(Spacer(1, 6 * mm))
    story.append(
        _p(
            _("Made by e-Cabinet on %(when)s.") % {"when": _when(timezone.now())},
            small,
        )
    )

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=nfc(_("Aggregate of opinions") + ": " + ballot.title),
        author="e-Cabinet",
    )
    doc.build(story)
    return buffer.getvalue()


def _grid() -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )


def report_csv(*, ballot: BallotPage, language: str = "vi") -> bytes:
    """One row per member and question; UTF-8 with a BOM so spreadsheets read it."""
    with translation.override(language):
        labels = dict(Choice.choices)
        questions = list(ballot.questions.all())
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                _("Member"),
                _("Position"),
                _("Question"),
                _("Answer"),
                _("Opinion"),
                _("Answered"),
                _("Version"),
                _("Receipt"),
                _("Overdue"),
            ]
        )
        for row in ballot_board(ballot=ballot):
            for q in questions:
                answer = row.answer
                writer.writerow(
                    [
                        row.name,
                        row.position,
                        q.text,
                        str(labels.get(row.choices.get(q.pk), "")),
                        answer.comment if answer else "",
                        _when(answer.updated_at) if answer else "",
                        answer.version if answer else "",
                        answer.receipt if answer else "",
                        _("yes") if row.overdue else "",
                    ]
                )
        return ("\ufeff" + nfc(out.getvalue())).encode("utf-8")
