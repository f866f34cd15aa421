"""The roles of DOMAIN.md as Django groups, with the Wagtail permissions each needs.

Group names are the Vietnamese role names users see in the admin. The public has no
group: it is the anonymous visitor. A Government member may hold a second role (the
Prime Minister is a member too; the Minister-Chairman of the Government Office is a
member, not Office staff).

Domain permissions arrive with the models they guard. This table is the reference
(tests compare the groups against it); each change to it comes with a data migration
that applies the change (0002 created the groups, 0004 added the delivery report).
"""

from dataclasses import dataclass, field

ACCESS_ADMIN = "wagtailadmin.access_admin"
DOCS_UPLOAD = (
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
)
IMAGES_UPLOAD = (
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
)


@dataclass(frozen=True)
class Role:
    key: str
    group_name: str
    description: str
    permissions: tuple[str, ...] = ()
    # Page permissions granted on the root of the page tree (so on every page).
    page_permissions: tuple[str, ...] = field(default=())


# Staff who follow up notifications see the delivery report and resend failures.
FOLLOW_UP_DELIVERIES = ("cabinet.view_delivery", "cabinet.change_delivery")

SPECIALIST = Role(
    key="specialist",
    group_name="Chuyên viên",
    description="Drafts ballots, curates session dossiers, drafts resolutions.",
    permissions=(ACCESS_ADMIN, *DOCS_UPLOAD, *IMAGES_UPLOAD, *FOLLOW_UP_DELIVERIES),
    page_permissions=("add", "change", "lock", "unlock"),
)
DEPARTMENT_HEAD = Role(
    key="department_head",
    group_name="Lãnh đạo Vụ",
    description="First moderation step: reviews the specialists' drafts.",
    permissions=(
        ACCESS_ADMIN,
        "wagtaildocs.choose_document",
        "wagtailimages.choose_image",
    ),
    page_permissions=("change", "lock", "unlock"),
)
OFFICE_LEADERSHIP = Role(
    key="office_leadership",
    group_name="Lãnh đạo Văn phòng Chính phủ",
    description="Approves ballots and session programmes before they go out.",
    permissions=(ACCESS_ADMIN, *DOCS_UPLOAD, *IMAGES_UPLOAD, *FOLLOW_UP_DELIVERIES),
    # Publish: a workflow's last approver publishes the page (TECH_NOTES §3).
    page_permissions=("add", "change", "lock", "unlock", "publish"),
)
MEMBER = Role(
    key="member",
    group_name="Thành viên Chính phủ",
    description="Reads dossiers, answers ballots, attends, speaks and votes.",
    permissions=(ACCESS_ADMIN,),
)
PRIME_MINISTER = Role(
    key="prime_minister",
    group_name="Thủ tướng",
    description="Chairs sessions, decides ties, signs resolutions.",
    permissions=(ACCESS_ADMIN,),
    # Signing is the resolution workflow's last step, which publishes the resolution.
    page_permissions=("publish",),
)
ASSISTANT = Role(
    key="assistant",
    group_name="Trợ lý, Thư ký",
    description="Prepares material for one member; never votes, answers or signs.",
    permissions=(ACCESS_ADMIN,),
)
FOCAL_OFFICER = Role(
    key="focal_officer",
    group_name="Công chức đầu mối của Bộ",
    description="Uploads the ministry's documents into session dossiers.",
    permissions=(ACCESS_ADMIN, *DOCS_UPLOAD),
)

ROLES: tuple[Role, ...] = (
    SPECIALIST,
    DEPARTMENT_HEAD,
    OFFICE_LEADERSHIP,
    MEMBER,
    PRIME_MINISTER,
    ASSISTANT,
    FOCAL_OFFICER,
)
ROLES_BY_KEY = {role.key: role for role in ROLES}

# The groups a fresh Wagtail creates; the Government's roles replace them.
WAGTAIL_DEFAULT_GROUPS = ("Editors", "Moderators")


def focal_group_name(ministry_name: str) -> str:
    """The per-ministry group of focal officers, e.g. "Đầu mối – Bộ Tài chính"."""
    return f"Đầu mối – {ministry_name}"
