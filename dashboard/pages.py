"""Every page of the dashboard, in one place: its file, title, icon, menu section, the permission that lists it
and its address. app.py builds the menu from this list, so a new page (alerts, flags...) is one line here.

The address (``url_path``) is part of the product: links to an item (``/item?id=...``), a case
(``/cases?case=...``), a digest (``/digests?digest=...``) or a filtered queue (``/?q=...&status=...``) are
shared between analysts and must keep working.
"""

from __future__ import annotations

from dataclasses import dataclass

WORK = "Tác nghiệp"
FOLLOW = "Theo dõi"
ADMIN = "Quản trị"


@dataclass(frozen=True)
class PageSpec:
    file: str  # under dashboard/
    title: str
    icon: str
    section: str
    url_path: str  # "" for the default page (the queue)
    permission: str = "view"


PAGES: tuple[PageSpec, ...] = (
    PageSpec("views/queue.py", "Hàng đợi tin", ":material/inbox:", WORK, ""),
    PageSpec("views/alerts.py", "Cảnh báo", ":material/notifications_active:", WORK, "alerts"),
    PageSpec("views/item.py", "Chi tiết tin", ":material/article:", WORK, "item"),
    PageSpec("views/cases.py", "Hồ sơ xử lý", ":material/folder_open:", WORK, "cases"),
    PageSpec("views/knowledge.py", "Kho thông tin sai", ":material/menu_book:", WORK, "knowledge"),
    PageSpec("views/sources.py", "Nguồn tin", ":material/rss_feed:", FOLLOW, "sources"),
    PageSpec("views/analytics.py", "Thống kê", ":material/bar_chart:", FOLLOW, "analytics"),
    PageSpec("views/digests.py", "Điểm tin", ":material/newspaper:", FOLLOW, "digests"),
    PageSpec("views/users.py", "Tài khoản", ":material/manage_accounts:", ADMIN, "users", "user.manage"),
)
