"""A believable Government for the demo and the tests: fictional people, real portfolios.

The shape follows the Government that held the first e-Cabinet session in June 2019:
27 members (the Prime Minister, four Deputy Prime Ministers, a Deputy Prime Minister
who is also Minister of Foreign Affairs, 17 other ministers and four heads of
ministerial-level agencies). Every name is invented.
"""

from dataclasses import dataclass

from cabinet.models import Ministry

MINISTRIES: tuple[tuple[str, str, str], ...] = (
    # (code, name, kind) in protocol order
    ("bqp", "Bộ Quốc phòng", Ministry.Kind.MINISTRY),
    ("bca", "Bộ Công an", Ministry.Kind.MINISTRY),
    ("bng", "Bộ Ngoại giao", Ministry.Kind.MINISTRY),
    ("bnv", "Bộ Nội vụ", Ministry.Kind.MINISTRY),
    ("btp", "Bộ Tư pháp", Ministry.Kind.MINISTRY),
    ("bkhdt", "Bộ Kế hoạch và Đầu tư", Ministry.Kind.MINISTRY),
    ("btc", "Bộ Tài chính", Ministry.Kind.MINISTRY),
    ("bct", "Bộ Công Thương", Ministry.Kind.MINISTRY),
    ("bnnptnt", "Bộ Nông nghiệp và Phát triển nông thôn", Ministry.Kind.MINISTRY),
    ("bgtvt", "Bộ Giao thông vận tải", Ministry.Kind.MINISTRY),
    ("bxd", "Bộ Xây dựng", Ministry.Kind.MINISTRY),
    ("btnmt", "Bộ Tài nguyên và Môi trường", Ministry.Kind.MINISTRY),
    ("btttt", "Bộ Thông tin và Truyền thông", Ministry.Kind.MINISTRY),
    ("bldtbxh", "Bộ Lao động - Thương binh và Xã hội", Ministry.Kind.MINISTRY),
    ("bvhttdl", "Bộ Văn hóa, Thể thao và Du lịch", Ministry.Kind.MINISTRY),
    ("bkhcn", "Bộ Khoa học và Công nghệ", Ministry.Kind.MINISTRY),
    ("bgddt", "Bộ Giáo dục và Đào tạo", Ministry.Kind.MINISTRY),
    ("byt", "Bộ Y tế", Ministry.Kind.MINISTRY),
    ("ubdt", "Ủy ban Dân tộc", Ministry.Kind.AGENCY),
    ("nhnn", "Ngân hàng Nhà nước Việt Nam", Ministry.Kind.AGENCY),
    ("ttcp", "Thanh tra Chính phủ", Ministry.Kind.AGENCY),
    ("vpcp", "Văn phòng Chính phủ", Ministry.Kind.AGENCY),
)


@dataclass(frozen=True)
class DemoPerson:
    username: str
    family_name: str
    given_name: str
    position: str
    roles: tuple[str, ...]
    ministry: str | None = None
    assists: str | None = None


MEMBER_ROLES = ("member",)

MEMBERS: tuple[DemoPerson, ...] = (
    DemoPerson(
        "tv01", "Phạm Quốc", "Thái", "Thủ tướng Chính phủ", ("member", "prime_minister")
    ),
    DemoPerson("tv02", "Lê Minh", "Khang", "Phó Thủ tướng Thường trực", MEMBER_ROLES),
    DemoPerson(
        "tv03",
        "Trần Thị Hoài",
        "An",
        "Phó Thủ tướng, Bộ trưởng Bộ Ngoại giao",
        MEMBER_ROLES,
        "bng",
    ),
    DemoPerson("tv04", "Nguyễn Đức", "Hưng", "Phó Thủ tướng", MEMBER_ROLES),
    DemoPerson("tv05", "Võ Thanh", "Tùng", "Phó Thủ tướng", MEMBER_ROLES),
    DemoPerson("tv06", "Đặng Ngọc", "Lâm", "Phó Thủ tướng", MEMBER_ROLES),
    DemoPerson(
        "tv07", "Hoàng Văn", "Quyết", "Bộ trưởng Bộ Quốc phòng", MEMBER_ROLES, "bqp"
    ),
    DemoPerson(
        "tv08", "Bùi Trọng", "Nghĩa", "Bộ trưởng Bộ Công an", MEMBER_ROLES, "bca"
    ),
    DemoPerson("tv09", "Đỗ Thị Thu", "Hà", "Bộ trưởng Bộ Nội vụ", MEMBER_ROLES, "bnv"),
    DemoPerson("tv10", "Phan Hữu", "Đạt", "Bộ trưởng Bộ Tư pháp", MEMBER_ROLES, "btp"),
    DemoPerson(
        "tv11",
        "Vũ Hải",
        "Đăng",
        "Bộ trưởng Bộ Kế hoạch và Đầu tư",
        MEMBER_ROLES,
        "bkhdt",
    ),
    DemoPerson(
        "tv12", "Ngô Thị Phương", "Thảo", "Bộ trưởng Bộ Tài chính", MEMBER_ROLES, "btc"
    ),
    DemoPerson(
        "tv13", "Dương Công", "Thành", "Bộ trưởng Bộ Công Thương", MEMBER_ROLES, "bct"
    ),
    DemoPerson(
        "tv14",
        "Lý Văn",
        "Phúc",
        "Bộ trưởng Bộ Nông nghiệp và Phát triển nông thôn",
        MEMBER_ROLES,
        "bnnptnt",
    ),
    DemoPerson(
        "tv15",
        "Huỳnh Tấn",
        "Lộc",
        "Bộ trưởng Bộ Giao thông vận tải",
        MEMBER_ROLES,
        "bgtvt",
    ),
    DemoPerson(
        "tv16", "Trương Quang", "Vinh", "Bộ trưởng Bộ Xây dựng", MEMBER_ROLES, "bxd"
    ),
    DemoPerson(
        "tv17",
        "Hồ Thị Lan",
        "Anh",
        "Bộ trưởng Bộ Tài nguyên và Môi trường",
        MEMBER_ROLES,
        "btnmt",
    ),
    DemoPerson(
        "tv18",
        "Mai Xuân",
        "Trường",
        "Bộ trưởng Bộ Thông tin và Truyền thông",
        MEMBER_ROLES,
        "btttt",
    ),
    DemoPerson(
        "tv19",
        "Đinh Thị Ngọc",
        "Diệp",
        "Bộ trưởng Bộ Lao động - Thương binh và Xã hội",
        MEMBER_ROLES,
        "bldtbxh",
    ),
    DemoPerson(
        "tv20",
        "Tạ Minh",
        "Hiếu",
        "Bộ trưởng Bộ Văn hóa, Thể thao và Du lịch",
        MEMBER_ROLES,
        "bvhttdl",
    ),
    DemoPerson(
        "tv21",
        "Lương Thế",
        "Sơn",
        "Bộ trưởng Bộ Khoa học và Công nghệ",
        MEMBER_ROLES,
        "bkhcn",
    ),
    DemoPerson(
        "tv22",
        "Cao Thị Mỹ",
        "Linh",
        "Bộ trưởng Bộ Giáo dục và Đào tạo",
        MEMBER_ROLES,
        "bgddt",
    ),
    DemoPerson("tv23", "Kiều Đức", "Toàn", "Bộ trưởng Bộ Y tế", MEMBER_ROLES, "byt"),
    DemoPerson(
        "tv24",
        "Hà Văn",
        "Thưởng",
        "Bộ trưởng, Chủ nhiệm Ủy ban Dân tộc",
        MEMBER_ROLES,
        "ubdt",
    ),
    DemoPerson(
        "tv25",
        "Quách Bảo",
        "Long",
        "Thống đốc Ngân hàng Nhà nước Việt Nam",
        MEMBER_ROLES,
        "nhnn",
    ),
    DemoPerson(
        "tv26", "Lâm Thị Kim", "Oanh", "Tổng Thanh tra Chính phủ", MEMBER_ROLES, "ttcp"
    ),
    DemoPerson(
        "tv27",
        "Trịnh Văn",
        "Định",
        "Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ",
        MEMBER_ROLES,
        "vpcp",
    ),
)

STAFF: tuple[DemoPerson, ...] = (
    DemoPerson(
        "chuyenvien",
        "Nguyễn Thị",
        "Mai",
        "Chuyên viên chính, Vụ Tổng hợp",
        ("specialist",),
        "vpcp",
    ),
    DemoPerson(
        "chuyenvien2",
        "Trần Văn",
        "Bình",
        "Chuyên viên, Vụ Pháp luật",
        ("specialist",),
        "vpcp",
    ),
    DemoPerson(
        "lanhdaovu",
        "Lê Thị Thanh",
        "Hương",
        "Vụ trưởng Vụ Tổng hợp",
        ("department_head",),
        "vpcp",
    ),
    DemoPerson(
        "lanhdaovp",
        "Nguyễn Hữu",
        "Nam",
        "Phó Chủ nhiệm Văn phòng Chính phủ",
        ("office_leadership",),
        "vpcp",
    ),
    DemoPerson(
        "troly",
        "Phạm Thị Ngọc",
        "Ánh",
        "Thư ký Thủ tướng",
        ("assistant",),
        "vpcp",
        assists="tv01",
    ),
    DemoPerson(
        "troly2",
        "Đoàn Minh",
        "Tuấn",
        "Trợ lý Bộ trưởng Bộ Tài chính",
        ("assistant",),
        "btc",
        assists="tv12",
    ),
    DemoPerson(
        "daumoi.btc",
        "Vương Thị",
        "Hằng",
        "Chuyên viên Văn phòng Bộ Tài chính",
        ("focal_officer",),
        "btc",
    ),
    DemoPerson(
        "daumoi.btp",
        "Tôn Thất",
        "Khoa",
        "Chuyên viên Văn phòng Bộ Tư pháp",
        ("focal_officer",),
        "btp",
    ),
    DemoPerson(
        "daumoi.bkhdt",
        "La Văn",
        "Cường",
        "Chuyên viên Văn phòng Bộ Kế hoạch và Đầu tư",
        ("focal_officer",),
        "bkhdt",
    ),
)

ADMIN = DemoPerson("admin", "Quản trị", "Hệ thống", "Quản trị hệ thống", ())

HOME_TITLE = "Hệ thống thông tin phục vụ họp và xử lý công việc của Chính phủ"
HOME_INTRO = (
    "<p>Phiên họp Chính phủ không giấy tờ: chuẩn bị và tổ chức phiên họp, lấy ý kiến "
    "Thành viên Chính phủ bằng phiếu điện tử, biểu quyết điện tử và ban hành Nghị quyết "
    "có chữ ký số mà mọi người dân đều có thể kiểm tra.</p>"
)


def demo_seed(*, password: str, content: bool = True) -> dict[str, int]:
    """Create (or bring up to date) the demo Government; return what exists afterwards.

    ``content`` adds the sessions with their dossiers (and, as they arrive, ballots
    and the archive); most tests need only the people and skip it for speed.
    Idempotent: a second run creates nothing and resets no password.
    """
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cabinet.services import ministry_upsert, person_upsert

    User = get_user_model()
    with transaction.atomic():
        ministries = {
            code: ministry_upsert(code=code, name=name, kind=kind, sort_order=index)
            for index, (code, name, kind) in enumerate(MINISTRIES, start=1)
        }
        users = {}
        for order, person in enumerate((*MEMBERS, *STAFF, ADMIN), start=1):
            result = person_upsert(
                username=person.username,
                family_name=person.family_name,
                given_name=person.given_name,
                email=f"{person.username}@chinhphu.example",
                roles=person.roles,
                position=person.position,
                ministry=ministries.get(person.ministry) if person.ministry else None,
                phone=f"+849000{order:05d}",
                protocol_order=order,
                assists=users.get(person.assists),
                initial_password=password,
                is_superuser=person is ADMIN,
            )
            users[person.username] = result.person.user
            TOTPDevice.objects.get_or_create(
                user=result.person.user, name="demo", defaults={"confirmed": True}
            )
        home_page_ensure()
        if content:
            from cabinet.demo_sessions import demo_sessions_seed

            demo_sessions_seed()
            # --- resolutions ---
            from cabinet.demo_resolutions import demo_resolutions_seed

            demo_resolutions_seed()
            from cabinet.demo_ballots import demo_ballots_seed  # opinion ballots

            demo_ballots_seed()
    if content:
        # Archive search: a few hundred real legal documents to search.
        from search.demo import archive_demo_seed

        archive_demo_seed()
    return {
        "ministries": len(ministries),
        "users": User.objects.filter(username__in=users).count(),
        "members": len(MEMBERS),
    }


def home_page_ensure():
    """One site whose root is the public home page (replacing Wagtail's welcome page)."""
    from wagtail.models import Page, Site

    from cabinet.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        home = HomePage(title=HOME_TITLE, slug="trang-chu", intro=HOME_INTRO)
        Page.get_first_root_node().add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="e-Cabinet",
        )
    elif site.root_page_id != home.pk:
        previous = site.root_page
        site.root_page = home
        site.site_name = "e-Cabinet"
        site.save()
        if previous.specific_class is Page and previous.depth == 2:
            previous.delete()  # Wagtail's "Welcome to your new Wagtail site!" page
    return home
