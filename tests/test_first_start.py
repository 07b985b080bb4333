"""What a newcomer meets on `make run`: the product's own pages, not Django's; a favicon; a guide; a README."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_make_run_serves_without_debug_unless_a_developer_asks_for_it():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^DEBUG \?= 0$", makefile, re.M)
    assert "DEBUG=$(DEBUG) $(PY) manage.py runserver $(HOST):$(PORT)" in makefile


@pytest.mark.django_db
def test_without_debug_a_missing_page_is_the_products_and_static_files_are_still_served(client, settings):
    settings.DEBUG = False
    missing = client.get("/khong-co-trang-nay/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert "Không tìm thấy trang" in html
    assert "Django" not in html
    assert "URLconf" not in html
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301
    assert icon["Location"].endswith("/static/favicon.svg")
    assert client.get(icon["Location"]).status_code == 200
    assert client.get("/static/vendor/tom-select/tom-select.complete.min.js").status_code == 200


@pytest.mark.django_db
def test_the_guide_is_a_page_of_the_app_linked_from_the_header(client, make_user):
    guide = client.get("/huong-dan/").content.decode()
    for section in ('id="can-bo-to-chuc"', 'id="lanh-dao"', 'id="quan-tri"'):
        assert section in guide
    images = re.findall(r'src="(/static/guide/[^"]+)"', guide)
    assert images
    for image in images:
        assert (ROOT / "docs" / "guide" / "img" / image.rsplit("/", 1)[1]).exists(), image
    client.force_login(make_user("hr_h01", role="hr", unit="H01"))
    assert 'href="/huong-dan/"' in client.get("/nhan-su/").content.decode()


def test_the_readme_says_what_the_first_start_needs_and_how_to_use_another_port():
    readme = (ROOT / "README.md").read_text()
    assert "make run PORT=8001" in readme
    assert "DEBUG=1 make run" in readme
