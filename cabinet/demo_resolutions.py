"""Demo resolutions: the first session's resolution, drafted, approved, signed, public.

From the 24 June 2019 session's last agenda item ("Dự thảo Nghị quyết phiên họp Chính
phủ thường kỳ", 25 of 27 members in favour), through the real workflow: the specialist
drafts and submits, the department head and the Office leadership approve, the Prime
Minister signs with the development CA's key. Only the one-time code is skipped (the
seed has no phone); everything else goes through the services. Idempotent.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

ITEM_TITLE = "Dự thảo Nghị quyết phiên họp Chính phủ thường kỳ"
SESSION_SLUG = "phien-hop-thuong-ky-thang-6-2019"
TITLE = "Phiên họp Chính phủ thường kỳ tháng 6 năm 2019"
SUMMARY = "25/27 Thành viên Chính phủ tán thành"
BODY = (
    "<h3>Điều 1. Về tình hình kinh tế - xã hội tháng 6 và 6 tháng đầu năm 2019</h3>"
    "<p>Chính phủ thống nhất đánh giá: tình hình kinh tế - xã hội tháng 6 và 6 tháng "
    "đầu năm 2019 tiếp tục chuyển biến tích cực; kinh tế vĩ mô ổn định, lạm phát được "
    "kiểm soát; các cân đối lớn của nền kinh tế được bảo đảm.</p>"
    "<h3>Điều 2. Về Hệ thống thông tin phục vụ họp và xử lý công việc của Chính phủ "
    "(e-Cabinet)</h3>"
    "<p>Chính phủ thống nhất đưa Hệ thống vào sử dụng từ phiên họp này; các Thành viên "
    "Chính phủ sử dụng Hệ thống để nghiên cứu tài liệu, cho ý kiến và biểu quyết.</p>"
    "<h3>Điều 3. Tổ chức thực hiện</h3>"
    "<p>Các Bộ trưởng, Thủ trưởng cơ quan ngang bộ, Thủ trưởng cơ quan thuộc Chính phủ, "
    "Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương chịu trách nhiệm "
    "thi hành Nghị quyết này.</p>"
)


def resolution_index_ensure():
    from cabinet.models import HomePage, ResolutionIndexPage

    index = ResolutionIndexPage.objects.first()
    if index is None:
        index = ResolutionIndexPage(
            title="Nghị quyết của Chính phủ",
            slug="nghi-quyet",
            intro=(
                "<p>Các Nghị quyết của Chính phủ đã được Thủ tướng ký số và ban hành. "
                "Mỗi văn bản có thể tải về và kiểm tra chữ ký số.</p>"
            ),
        )
        HomePage.objects.first().add_child(instance=index)
        index.save_revision().publish()
    return index


def dev_signer_ensure(user) -> None:
    """The development CA and ``user``'s PKCS#12 file, if missing (never production)."""
    from pathlib import Path

    from documents.devca import DevSigner, ca_ensure, signer_ensure

    directory = Path(settings.RESOLUTION_SIGNING_DEV_DIR)
    ca_cert, ca_key, _created = ca_ensure(directory)
    person = getattr(user, "person", None)
    signer_ensure(
        directory,
        DevSigner(
            username=user.get_username(),
            common_name=user.get_full_name() or user.get_username(),
            title=person.position if person else "",
        ),
        ca_cert=ca_cert,
        ca_key=ca_key,
        passphrase=settings.RESOLUTION_SIGNING["PKCS12_PASSPHRASE"].encode(),
    )


def demo_resolutions_seed() -> dict[str, int]:
    from cabinet.models import AgendaItemPage, ResolutionPage, SessionPage
    from cabinet.resolutions.services import (
        resolution_draft_from_result,
        resolution_sign_confirmed,
        resolution_submit,
    )

    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(is_active=True)}
    index = resolution_index_ensure()
    session = SessionPage.objects.filter(slug=SESSION_SLUG).first()
    if session is None:
        return {"resolutions": 0}
    item = AgendaItemPage.objects.child_of(session).filter(title=ITEM_TITLE).first()
    if item is None or ResolutionPage.objects.filter(source_page=item).exists():
        return {"resolutions": 0}
    page = resolution_draft_from_result(
        user=users["chuyenvien"],
        source_page=item,
        source_kind=ResolutionPage.SourceKind.SESSION_VOTE,
        result_summary=SUMMARY,
        title=TITLE,
        index=index,
    )
    page.body = BODY
    page.save_revision(user=users["chuyenvien"])
    resolution_submit(user=users["chuyenvien"], page=page)
    for approver in ("lanhdaovu", "lanhdaovp"):
        state = page.current_workflow_state
        task_state = state.current_task_state
        task_state.task.specific.on_action(task_state, users[approver], "approve")
        page.refresh_from_db()
    dev_signer_ensure(users["tv01"])
    resolution_sign_confirmed(user=users["tv01"], page=page)
    return {"resolutions": 1}
