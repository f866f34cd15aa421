"""Resolutions drafted from an agenda item of the sessions tree, through the services."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabinet.models import (
    AgendaItemPage,
    HomePage,
    Ministry,
    ResolutionIndexPage,
    ResolutionPage,
    SessionIndexPage,
    SessionPage,
)
from cabinet.resolutions.services import (
    resolution_draft_from_result,
    resolution_submit,
)
from documents.devca import DevSigner, ca_ensure, signer_ensure
from tests.sessions.conftest import tree  # noqa: F401 - the sessions tree fixture
from tests.utils import totp_code

User = get_user_model()
SUMMARY = "25/27 Thành viên Chính phủ tán thành"
DEV_SIGNERS = (
    DevSigner("tv01", "Phạm Quốc Thái", "Thủ tướng Chính phủ"),
    DevSigner("tv02", "Lê Minh Khang", "Phó Thủ tướng Thường trực"),
)


def user(username):
    return User.objects.get(username=username)


def code_for(username, *, offset_seconds=0) -> str:
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    return totp_code(device.key, offset_seconds=offset_seconds)


@pytest.fixture(scope="session")
def pki() -> Path:
    """The development CA and the signers' PKCS#12 files, as make_dev_ca writes them."""
    directory = Path(settings.RESOLUTION_SIGNING_DEV_DIR)
    ca_cert, ca_key, _ = ca_ensure(directory)
    for signer in DEV_SIGNERS:
        signer_ensure(
            directory,
            signer,
            ca_cert=ca_cert,
            ca_key=ca_key,
            passphrase=settings.RESOLUTION_SIGNING["PKCS12_PASSPHRASE"].encode(),
        )
    return directory


@pytest.fixture
def index(demo) -> ResolutionIndexPage:
    home = HomePage.objects.get()
    page = ResolutionIndexPage(title="Nghị quyết của Chính phủ", slug="nghi-quyet")
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


@dataclass
class Flow:
    tree: object
    index: ResolutionIndexPage

    def draft(
        self, item=None, *, title="Phiên họp Chính phủ thường kỳ tháng 6"
    ) -> ResolutionPage:
        return resolution_draft_from_result(
            user=user("chuyenvien"),
            source_page=item or self.tree.btc_item,
            source_kind=ResolutionPage.SourceKind.SESSION_VOTE,
            result_summary=SUMMARY,
            title=title,
        )

    def approve(self, page, username):
        page.refresh_from_db()
        task_state = page.current_workflow_state.current_task_state
        task = task_state.task.specific
        names = {a[0] for a in task.get_actions(page, user(username))}
        assert "approve" in names, f"{username} cannot approve {task.name}"
        task.on_action(task_state, user(username), "approve")
        page.refresh_from_db()

    def awaiting_signature(self, item=None, **kw) -> ResolutionPage:
        page = self.draft(item, **kw)
        resolution_submit(user=user("chuyenvien"), page=page)
        self.approve(page, "lanhdaovu")
        self.approve(page, "lanhdaovp")
        return ResolutionPage.objects.get(pk=page.pk)


@pytest.fixture
def flow(tree, index, pki) -> Flow:  # noqa: F811
    return Flow(tree=tree, index=index)


@pytest.fixture(autouse=True)
def _signed_files(settings, tmp_path):
    """Each test stores its signed PDFs apart, so counting files means something."""
    settings.RESOLUTION_FILES_ROOT = tmp_path / "resolutions"
    return settings.RESOLUTION_FILES_ROOT


@pytest.fixture
def awaiting(demo_transactional, pki, settings, tmp_path):
    """A resolution awaiting signature, in a transactional test (live server, threads)."""
    from django.utils import timezone

    settings.RESOLUTION_FILES_ROOT = tmp_path / "resolutions"
    home = HomePage.objects.get()
    sessions = SessionIndexPage(title="Phiên họp Chính phủ", slug="phien-hop")
    home.add_child(instance=sessions)
    sessions.save_revision().publish()
    session = SessionPage(
        title="Phiên họp thường kỳ", slug="thuong-ky", starts_at=timezone.now()
    )
    sessions.add_child(instance=session)
    session.save_revision().publish()
    item = AgendaItemPage(
        title="Dự thảo Nghị quyết phiên họp Chính phủ thường kỳ",
        slug="nq",
        presenting_ministry=Ministry.objects.get(code="bkhdt"),
        vote_expected=True,
    )
    session.add_child(instance=item)
    item.save_revision().publish()
    index = ResolutionIndexPage(title="Nghị quyết của Chính phủ", slug="nghi-quyet")
    home.add_child(instance=index)
    index.save_revision().publish()
    flow = Flow(tree=None, index=index)
    return flow.awaiting_signature(
        item, title="Phiên họp Chính phủ thường kỳ tháng 6 năm 2019"
    )
