"""A small session built through the same services the admin uses."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from cabinet.models import (
    AgendaItemPage,
    DossierPage,
    HomePage,
    Ministry,
    SessionIndexPage,
    SessionPage,
)
from cabinet.sessions.services import (
    agenda_item_access_sync,
    session_composition_default,
)
from documents.samples import docx_bytes, pdf_bytes

User = get_user_model()


@dataclass
class Tree:
    index: SessionIndexPage
    session: SessionPage
    btc_item: AgendaItemPage
    btp_item: AgendaItemPage
    btc_dossier: DossierPage
    btp_dossier: DossierPage


def user(username):
    return User.objects.get(username=username)


def pdf_upload(name="du-thao.pdf", lines=("Dự thảo Nghị định", "Điều 1. Phạm vi")):
    return ContentFile(pdf_bytes([list(lines)]), name=name)


def docx_upload(paragraphs, name="to-trinh.docx"):
    return ContentFile(docx_bytes(list(paragraphs)), name=name)


@pytest.fixture
def tree(demo) -> Tree:
    home = HomePage.objects.get()
    index = SessionIndexPage(title="Phiên họp Chính phủ", slug="phien-hop")
    home.add_child(instance=index)
    index.save_revision().publish()
    session = SessionPage(
        title="Phiên họp thường kỳ",
        slug="thuong-ky",
        starts_at=timezone.now() + timedelta(days=3),
        chair=user("tv01"),
    )
    index.add_child(instance=session)
    session.save_revision().publish()
    session_composition_default(session=session)
    items = {}
    dossiers = {}
    for code, title in (
        ("btc", "Nghị định về nợ công"),
        ("btp", "Luật Ban hành văn bản"),
    ):
        item = AgendaItemPage(
            title=title,
            slug=f"item-{code}",
            presenting_ministry=Ministry.objects.get(code=code),
            vote_expected=True,
        )
        session.add_child(instance=item)
        item.save_revision().publish()
        agenda_item_access_sync(item=item)
        dossier = DossierPage(title=f"Hồ sơ {title}", slug="ho-so")
        item.add_child(instance=dossier)
        dossier.save_revision().publish()
        items[code], dossiers[code] = item, dossier
    return Tree(
        index=index,
        session=SessionPage.objects.get(pk=session.pk),
        btc_item=items["btc"],
        btp_item=items["btp"],
        btc_dossier=dossiers["btc"],
        btp_dossier=dossiers["btp"],
    )
