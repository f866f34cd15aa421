"""The minutes (biên bản) of a session: a text generated from the record, which the
secretariat edits while it is a draft, and its PDF.

The minutes are an administrative document of the Government and are written in
Vietnamese whatever the language of the interface, like the resolutions.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from django.utils import timezone

from cabinet.models import (
    Attendance,
    Choice,
    ItemRecord,
    Minutes,
    Participant,
    Poll,
    Presence,
    SessionPage,
    SpeakRequest,
    Vote,
)

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
PRESENCE_VI = {
    Presence.IN_ROOM: "dự tại phòng họp",
    Presence.REMOTE: "dự trực tuyến",
    Presence.ABSENT: "vắng mặt có lý do (được Thủ tướng đồng ý)",
    Presence.DEPUTY: "vắng mặt, cử người dự thay",
    Presence.UNKNOWN: "chưa ghi nhận",
}
CHOICE_VI = {
    Choice.IN_FAVOUR: "tán thành",
    Choice.AGAINST: "không tán thành",
    Choice.ABSTAIN: "không biểu quyết",
}
OUTCOME_VI = {
    ItemRecord.Outcome.DISCUSSED: "đã thảo luận",
    ItemRecord.Outcome.CONSENT: "thông qua theo danh mục không thảo luận",
    ItemRecord.Outcome.ADOPTED: "đã thông qua bằng biểu quyết",
    ItemRecord.Outcome.REJECTED: "không được thông qua",
}


def _name(user) -> str:
    person = getattr(user, "person", None)
    position = getattr(person, "position", "") if person else ""
    name = user.get_full_name() or user.get_username()
    return f"{name}, {position}" if position else name


def _clock(value) -> str:
    return timezone.localtime(value).strftime("%H:%M:%S") if value else "—"


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} phút {seconds % 60:02d} giây"


def minutes_text(session: SessionPage) -> str:
    from cabinet.voting.services import record_of

    record = record_of(session)
    lines = [
        "BIÊN BẢN PHIÊN HỌP CHÍNH PHỦ",
        session.title,
        f"Thời gian: {timezone.localtime(session.starts_at).strftime('%d/%m/%Y')}; "
        f"khai mạc {_clock(record.opened_at)}, bế mạc {_clock(record.closed_at)}.",
        f"Địa điểm: {session.place}.",
        f"Chủ trì: {_name(session.chair) if session.chair else '—'}.",
        "",
        "I. THÀNH PHẦN",
    ]
    participants = list(
        session.participants.select_related("user", "user__person").order_by(
            "role", "user__person__protocol_order"
        )
    )
    presence = {
        a.participant_id: a.presence
        for a in Attendance.objects.filter(participant__in=participants)
    }
    counts = dict.fromkeys(Presence.values, 0)
    for participant in participants:
        if participant.role == Participant.Role.MEMBER:
            counts[presence.get(participant.pk, "")] += 1
    lines.append(
        f"Tổng số Thành viên Chính phủ: {record.members_total or len(participants)}; "
        f"dự tại phòng họp: {counts[Presence.IN_ROOM]}; "
        f"dự trực tuyến: {counts[Presence.REMOTE]}; "
        f"vắng mặt: {counts[Presence.ABSENT] + counts[Presence.DEPUTY]}."
    )
    for number, participant in enumerate(participants, start=1):
        state = PRESENCE_VI[presence.get(participant.pk, "")]
        extra = ""
        if participant.role == Participant.Role.GUEST:
            extra = " (khách mời)"
        if participant.deputy_name:
            extra += f"; người dự thay: {participant.deputy_name}"
        lines.append(f"{number}. {_name(participant.user)}{extra}: {state}.")
    lines += ["", "II. NỘI DUNG VÀ DIỄN BIẾN"]
    items = session.items
    records = {r.item_id: r for r in ItemRecord.objects.filter(item__in=items)}
    consent = [
        i for i in items if getattr(records.get(i.pk), "outcome", "") == "consent"
    ]
    if consent:
        lines.append(
            "Chính phủ thông qua theo danh mục không thảo luận (không Thành viên nào "
            "phản đối hoặc đăng ký phát biểu):"
        )
        lines += [f"- {item.title}" for item in consent]
    for number, item in enumerate(items, start=1):
        item_record = records.get(item.pk)
        lines.append("")
        lines.append(f"{number}. {item.title}")
        lines.append(
            f"Thời gian dự kiến: {item.planned_minutes} phút; thực tế: "
            f"{_minutes(item_record.actual_seconds) if item_record else '—'}."
        )
        if item_record and item_record.outcome:
            lines.append(f"Kết quả: {OUTCOME_VI[item_record.outcome]}.")
        speeches = SpeakRequest.objects.filter(
            item=item, state=SpeakRequest.State.DONE
        ).select_related("speaker", "speaker__person")
        for speech in speeches:
            lines.append(
                f"- Phát biểu: {_name(speech.speaker)} "
                f"({_clock(speech.started_at)}–{_clock(speech.ended_at)}, "
                f"{_minutes(speech.seconds)})."
            )
        for poll in Poll.objects.filter(item=item, state=Poll.State.CLOSED):
            verdict = "THÔNG QUA" if poll.passed else "KHÔNG THÔNG QUA"
            lines.append(
                f"Biểu quyết “{poll.question}”: {poll.in_favour} tán thành, "
                f"{poll.against} không tán thành, {poll.abstain} không biểu quyết "
                f"trên tổng số {poll.members_total} Thành viên Chính phủ: {verdict}."
            )
            lines.append(f"Mã chuỗi phiếu (chain head): {poll.chain_head}")
            votes = Vote.objects.filter(poll=poll).select_related(
                "member", "member__person"
            )
            for choice in Choice.values:
                names = [
                    _name(v.member)
                    for v in sorted(
                        votes,
                        key=lambda v: getattr(
                            getattr(v.member, "person", None), "protocol_order", 0
                        ),
                    )
                    if v.choice == choice
                ]
                if names:
                    lines.append(f"  {CHOICE_VI[choice].capitalize()} ({len(names)}):")
                    lines += [f"    {n}" for n in names]
    return unicodedata.normalize("NFC", "\n".join(lines))


def _register_fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(
            TTFont("DejaVuSerif", str(DEJAVU_DIR / "DejaVuSerif.ttf"))
        )
        pdfmetrics.registerFont(
            TTFont("DejaVuSerif-Bold", str(DEJAVU_DIR / "DejaVuSerif-Bold.ttf"))
        )
    return "DejaVuSerif", "DejaVuSerif-Bold"


def minutes_pdf(minutes: Minutes) -> bytes:
    """The minutes as a PDF (A4, DejaVu Serif, NFC text; "DỰ THẢO" while a draft)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    regular, bold = _register_fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=11, leading=15)
    head = ParagraphStyle(
        "head", fontName=bold, fontSize=13, leading=18, alignment=1, spaceAfter=6
    )
    section = ParagraphStyle("section", fontName=bold, fontSize=11, leading=16)
    draft = minutes.state == Minutes.State.DRAFT

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"Trang {doc.page}")
        if draft:
            canvas.setFont(bold, 48)
            canvas.setFillGray(0.85)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(45)
            canvas.drawCentredString(0, 0, "DỰ THẢO")
        canvas.restoreState()

    story = [
        Paragraph("CHÍNH PHỦ", head),
        Paragraph(
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br/>Độc lập - Tự do - Hạnh phúc", head
        ),
        Spacer(1, 8),
    ]
    text = unicodedata.normalize("NFC", minutes.text)
    for index, line in enumerate(text.splitlines()):
        if not line.strip():
            story.append(Spacer(1, 6))
            continue
        style = head if index == 0 else section if line[:3] in ("I. ", "II.") else body
        indent = len(line) - len(line.lstrip(" "))
        paragraph = escape(line.strip())
        if indent:
            paragraph = "&nbsp;" * indent + paragraph
        story.append(Paragraph(paragraph, style))
    if not draft and minutes.finalised_at:
        story += [
            Spacer(1, 12),
            Paragraph(
                "Biên bản hoàn thành lúc "
                + timezone.localtime(minutes.finalised_at).strftime(
                    "%H:%M ngày %d/%m/%Y"
                )
                + ".",
                body,
            ),
        ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2.5 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=minutes.session.title,
        author="Văn phòng Chính phủ",
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
