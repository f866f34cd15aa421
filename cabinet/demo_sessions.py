"""Demo sessions: a past regular session and an upcoming one with a full programme.

The dossiers carry real published documents from ``../shared/data/pdfs`` when that
folder is present (resolutions and decrees as scanned and signed by the Government
portal, the 2013 Constitution with a text layer), else generated stand-ins. One
ministry submission has two versions, so the reading room shows what changed.

Idempotent: a second run finds the index and the sessions by slug and adds nothing.
The live record of the past session (attendance, votes, minutes) arrives with the
live-session feature; here it has its composition, programme and dossiers.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def shared_pdfs_dir() -> Path | None:
    for candidate in (
        Path(getattr(settings, "SHARED_DATA_DIR", "")) / "pdfs",
        settings.BASE_DIR.parent / "shared" / "data" / "pdfs",
        Path("/work/shared/data/pdfs"),
    ):
        if candidate.is_dir():
            return candidate
    return None


def _real_or_generated(name: str, title: str) -> tuple[str, bytes]:
    from documents.samples import pdf_bytes

    folder = shared_pdfs_dir()
    if folder is not None and (folder / name).exists():
        return name, (folder / name).read_bytes()
    return name, pdf_bytes([[title, "(bản sao minh hoạ)"]])


SUBMISSION_V1 = [
    "TỜ TRÌNH",
    "Về dự thảo Nghị định quy định chi tiết một số điều của Luật Quản lý nợ công",
    "Kính gửi: Chính phủ",
    "Thực hiện Chương trình công tác năm 2019, Bộ Tài chính đã chủ trì xây dựng dự thảo Nghị định.",
    "1. Sự cần thiết ban hành: hoàn thiện khung pháp lý về quản lý nợ công.",
    "2. Phạm vi điều chỉnh: vay, trả nợ, sử dụng vốn vay của Chính phủ.",
    "3. Thời hạn trả nợ tối đa: 20 năm.",
    "Kính trình Chính phủ xem xét, quyết định.",
]
SUBMISSION_V2 = [
    *SUBMISSION_V1[:5],
    "2. Phạm vi điều chỉnh: vay, trả nợ, sử dụng vốn vay của Chính phủ và chính quyền địa phương.",
    "3. Thời hạn trả nợ tối đa: 15 năm, theo ý kiến của Bộ Tư pháp.",
    SUBMISSION_V1[-1],
]

PROGRAMME = (
    # (title, ministry code, minutes, vote expected, documents: (title, file, source))
    (
        "Báo cáo tình hình kinh tế - xã hội tháng 6 và 6 tháng đầu năm",
        "bkhdt",
        60,
        False,
        [("Báo cáo tình hình kinh tế - xã hội", "306-cp.signed.pdf")],
    ),
    (
        "Dự thảo Nghị định quy định chi tiết một số điều của Luật Quản lý nợ công",
        "btc",
        30,
        True,
        [("Dự thảo Nghị định", "257-cp.signed.pdf")],
    ),
    (
        "Tình hình thi hành Hiến pháp và pháp luật 6 tháng đầu năm",
        "btp",
        20,
        False,
        [("Hiến pháp năm 2013 (tài liệu tham khảo)", "hien-phap-2013-vanbangoc.pdf")],
    ),
    (
        "Quyết định phê duyệt Đề án chuyển đổi số trong hoạt động của Chính phủ",
        "btttt",
        20,
        True,
        [("Dự thảo Quyết định", "187-ttg.signed.pdf")],
    ),
    (
        "Dự thảo Nghị quyết phiên họp Chính phủ thường kỳ",
        "bkhdt",
        15,
        True,
        [("Dự thảo Nghị quyết", "323nq.signed.pdf")],
    ),
)


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=HANOI)


def _session(index, *, slug, title, starts_at, kind, chair, deadline=None):
    from cabinet.models import SessionPage

    session = SessionPage.objects.filter(slug=slug).first()
    if session is not None:
        return session, False
    session = SessionPage(
        title=title,
        slug=slug,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3, minutes=30),
        mode=SessionPage.Mode.MIXED,
        chair=chair,
        positions_deadline=deadline,
    )
    index.add_child(instance=session)
    session.save_revision().publish()
    return session, True


def _programme(session, *, specialist, officers, ministries, with_versions):
    from cabinet.models import AgendaItemPage, DossierPage
    from cabinet.sessions.services import agenda_item_access_sync
    from documents.models import Document
    from documents.services import document_replace, document_upload, versions_approve

    for position, (title, code, minutes, vote, files) in enumerate(PROGRAMME, start=1):
        item = AgendaItemPage(
            title=title,
            slug=f"noi-dung-{position}",
            presenting_ministry=ministries[code],
            planned_minutes=minutes,
            vote_expected=vote,
        )
        session.add_child(instance=item)
        item.save_revision().publish()
        agenda_item_access_sync(item=item)
        dossier = DossierPage(title=f"Hồ sơ: {title}", slug="ho-so")
        item.add_child(instance=dossier)
        dossier.save_revision().publish()
        uploader = officers.get(code, specialist)
        for doc_title, file_name in files:
            name, data = _real_or_generated(file_name, doc_title)
            document_upload(
                user=uploader,
                page=dossier,
                title=doc_title,
                upload=ContentFile(data, name=name),
            )
        if code == "btc":
            from documents.samples import docx_bytes

            submission = document_upload(
                user=uploader,
                page=dossier,
                title="Tờ trình Chính phủ",
                upload=ContentFile(docx_bytes(SUBMISSION_V1), name="to-trinh.docx"),
            )
        versions_approve(page=dossier, user=specialist)
        if code == "btc" and with_versions:
            document_replace(
                user=uploader,
                document=Document.objects.get(pk=submission.pk),
                upload=ContentFile(docx_bytes(SUBMISSION_V2), name="to-trinh-v2.docx"),
                change_note="Tiếp thu ý kiến thẩm định của Bộ Tư pháp.",
            )
            versions_approve(page=dossier, user=specialist)


def demo_sessions_seed() -> dict[str, int]:
    from cabinet.models import HomePage, Ministry, SessionIndexPage, SessionPage
    from cabinet.sessions.services import session_composition_default

    User = get_user_model()
    home = HomePage.objects.first()
    index = SessionIndexPage.objects.first()
    if index is None:
        index = SessionIndexPage(
            title="Phiên họp Chính phủ",
            slug="phien-hop",
            intro="<p>Chương trình, hồ sơ và ghi chú của các phiên họp Chính phủ.</p>",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    specialist = users["chuyenvien"]
    ministries = {m.code: m for m in Ministry.objects.all()}
    officers = {
        code: users[f"daumoi.{code}"]
        for code in ("btc", "btp", "bkhdt")
        if f"daumoi.{code}" in users
    }
    today = timezone.localdate()
    upcoming_day = today + timedelta(days=7)
    created = 0
    past, new = _session(
        index,
        slug="phien-hop-thuong-ky-thang-6-2019",
        title="Phiên họp Chính phủ thường kỳ tháng 6 năm 2019",
        starts_at=_at(datetime(2019, 6, 24).date(), 8, 30),
        kind=SessionPage.Kind.REGULAR,
        chair=users["tv01"],
    )
    if new:
        session_composition_default(session=past)
        _programme(
            past,
            specialist=specialist,
            officers=officers,
            ministries=ministries,
            with_versions=False,
        )
        SessionPage.objects.filter(pk=past.pk).update(
            issued_at=past.starts_at - timedelta(days=5)
        )
        created += 1
    upcoming, new = _session(
        index,
        slug="phien-hop-thuong-ky-sap-toi",
        title=f"Phiên họp Chính phủ thường kỳ tháng {upcoming_day.month} năm {upcoming_day.year}",
        starts_at=_at(upcoming_day, 8, 30),
        kind=SessionPage.Kind.REGULAR,
        chair=users["tv01"],
        deadline=_at(upcoming_day - timedelta(days=1), 17, 0),
    )
    if new:
        session_composition_default(session=upcoming)
        _programme(
            upcoming,
            specialist=specialist,
            officers=officers,
            ministries=ministries,
            with_versions=True,
        )
        SessionPage.objects.filter(pk=upcoming.pk).update(issued_at=timezone.now())
        created += 1
    return {"sessions": created}
