"""The page tree's shape is pinned: sessions only under the index, items only under a
session, one dossier per item; and ministries get access to their own items only."""

import pytest
from wagtail.models import Page

from cabinet.models import (
    AgendaItemPage,
    DossierPage,
    HomePage,
    Ministry,
    SessionIndexPage,
    SessionPage,
)
from cabinet.sessions.services import agenda_item_access_sync
from tests.sessions.conftest import user


@pytest.mark.parametrize(
    "child,parent,allowed",
    [
        (SessionIndexPage, HomePage, True),
        (SessionPage, SessionIndexPage, True),
        (SessionPage, HomePage, False),
        (AgendaItemPage, SessionPage, True),
        (AgendaItemPage, SessionIndexPage, False),
        (DossierPage, AgendaItemPage, True),
        (DossierPage, SessionPage, False),
        (SessionPage, AgendaItemPage, False),
    ],
)
def test_parent_and_subpage_types(child, parent, allowed):
    assert (child in parent.allowed_subpage_models()) is allowed
    assert (parent in child.allowed_parent_page_models()) is allowed


def test_one_dossier_per_item(tree):
    assert not DossierPage.can_create_at(tree.btc_item)


def test_focal_officers_may_add_a_dossier_to_their_own_items_only(tree):
    btc, btp = user("daumoi.btc"), user("daumoi.btp")
    item = AgendaItemPage(
        title="Nội dung mới",
        slug="moi",
        presenting_ministry=Ministry.objects.get(code="btc"),
    )
    tree.session.add_child(instance=item)
    agenda_item_access_sync(item=item)
    assert item.permissions_for_user(btc).can_add_subpage()
    assert not item.permissions_for_user(btp).can_add_subpage()
    # They may not rename the item itself: "add" only, never "change".
    assert not item.permissions_for_user(btc).can_edit()
    assert not tree.session.permissions_for_user(btc).can_add_subpage()
    # Reassigning the item moves the access.
    item.presenting_ministry = Ministry.objects.get(code="btp")
    item.save()
    agenda_item_access_sync(item=item)
    item = Page.objects.get(pk=item.pk)
    btc, btp = user("daumoi.btc"), user("daumoi.btp")  # fresh: permissions are cached
    assert not item.permissions_for_user(btc).can_add_subpage()
    assert item.permissions_for_user(btp).can_add_subpage()
