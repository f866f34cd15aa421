"""Demo ballots: one open and being answered, one closed and approved.

Made through the real workflow and services (the Office leadership's approval is
given directly on the task, since a seed has no one-time code to type), without
messages to the members (``quiet_issue``). Idempotent: ballots are found by slug.

Part of the demo's content (``demo_seed(content=True)``): they cost about two seconds,
which the tests that need only the people skip.
"""

from datetime import timedelta

OPEN_SLUG = "demo-nghi-dinh-dat-dai"
CLOSED_SLUG = "demo-de-an-chuyen-doi-so"


def demo_ballots_seed() -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cabinet.ballots.services import answer_record, ballot_submit, quiet_issue
    from cabinet.models import (
        BallotIndexPage,
        BallotPage,
        BallotQuestion,
        Ministry,
    )

    User = get_user_model()
    index = BallotIndexPage.objects.first()
    if index is None:
        return {"ballots": 0}
    users = {
        u.username: u
        for u in User.objects.filter(
            username__regex=r"^(tv\d\d|chuyenvien|lanhdaovu|lanhdaovp)$"
        )
    }
    specialist, head, leader = (
        users["chuyenvien"],
        users["lanhdaovu"],
        users["lanhdaovp"],
    )
    members = [users[f"tv{n:02d}"] for n in range(1, 28)]

    def make(*, slug, title, matter, ministry, questions, allow_change, close_rule):
        ballot = BallotPage.objects.filter(slug=slug).first()
        if ballot is not None:
            return ballot, False
        ballot = BallotPage(
            title=title,
            slug=slug,
            matter=matter,
            deadline=timezone.now() + timedelta(days=3),
            allow_change=allow_change,
            close_rule=close_rule,
            presenting_ministry=Ministry.objects.get(code=ministry),
            owner=specialist,
            live=False,
        )
        for text in questions:
            ballot.questions.add(BallotQuestion(text=text))
        index.add_child(instance=ballot)
        ballot.save_revision(user=specialist)
        ballot_submit(user=specialist, ballot=ballot)
        for approver, comment in ((head, "Đồng ý trình."), (leader, "Phát hành.")):
            state = BallotPage.objects.get(pk=ballot.pk).current_workflow_task_state
            with quiet_issue():
                state.specific.approve(user=approver, comment=comment)
        return BallotPage.objects.get(pk=ballot.pk), True

    open_ballot, created = make(
        slug=OPEN_SLUG,
        title="Phiếu lấy ý kiến về dự thảo Nghị định quy định chi tiết một số điều "
        "của Luật Đất đai",
        matter="<p>Bộ Tài nguyên và Môi trường trình dự thảo Nghị định quy định chi "
        "tiết một số điều của Luật Đất đai. Thủ tướng Chính phủ đề nghị các Thành "
        "viên Chính phủ cho ý kiến bằng phiếu.</p>",
        ministry="btnmt",
        questions=["Đồng ý thông qua dự thảo Nghị định như Tờ trình của Bộ?"],
        allow_change=True,
        close_rule="deadline",
    )
    if created:
        (question,) = open_ballot.questions.all()
        plan = ["agree"] * 6 + ["disagree", "other", "agree"]
        for member, choice in zip(members[1:], plan, strict=False):
            answer_record(
                user=member,
                ballot=open_ballot,
                choices={question.pk: choice},
                comment="Đề nghị làm rõ quy định chuyển tiếp đối với hồ sơ đang giải "
                "quyết."
                if choice == "other"
                else "",
            )

    closed_ballot, created = make(
        slug=CLOSED_SLUG,
        title="Phiếu lấy ý kiến về Đề án chuyển đổi số quốc gia giai đoạn 2026-2030",
        matter="<p>Bộ Thông tin và Truyền thông trình Đề án chuyển đổi số quốc gia "
        "giai đoạn 2026-2030.</p>",
        ministry="btttt",
        questions=["Đồng ý thông qua Đề án?"],
        allow_change=False,
        close_rule="decided",
    )
    if created:
        (question,) = closed_ballot.questions.all()
        plan = ["disagree", "other"] + ["agree"] * 14  # closes at the 14th agreement
        for member, choice in zip(members, plan, strict=False):
            answer_record(
                user=member,
                ballot=closed_ballot,
                choices={question.pk: choice},
                comment="Cần bổ sung nguồn lực thực hiện." if choice == "other" else "",
            )
    return {
        "ballots": BallotPage.objects.filter(slug__in=[OPEN_SLUG, CLOSED_SLUG]).count()
    }
