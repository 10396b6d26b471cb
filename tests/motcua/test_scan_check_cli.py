"""`motcua scan-check`, run as a clerk or a script runs it: a real process, real files."""

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from tests.dossiers.test_scan_check import A4, scan

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run(tmp_path: Path) -> Any:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite",
        "REDIS_URL": "",
        "SECRET_KEY": "test",
        "PYTHONIOENCODING": "utf-8",
    }

    def invoke(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "motcua.cli", "scan-check", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
            timeout=120,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    return invoke


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    made = {
        "good.pdf": scan((A4, 200)),
        "low.pdf": scan((A4, 200), (A4, 150), version="1.3"),
        "empty.pdf": b"",
        "cut.pdf": scan((A4, 200))[:3000],
        "photo.pdf": b"\xff\xd8\xff\xe0 a JPEG, not a PDF",
    }
    for name, data in made.items():
        (tmp_path / name).write_bytes(data)
    return {name: str(tmp_path / name) for name in [*made, "missing.pdf"]}


def test_a_compliant_scan_exits_0_with_a_vietnamese_report(run: Any, files: dict[str, str]) -> None:
    result = run(files["good.pdf"])
    assert result.returncode == 0
    assert result.stdout.startswith(f"{files['good.pdf']}: ĐẠT chuẩn số hóa")
    assert "Trang 1: 210,1 × 297,1 mm (A4), màu RGB 200 × 200 dpi" in result.stdout


def test_a_non_compliant_scan_exits_1_and_says_why(run: Any, files: dict[str, str]) -> None:
    result = run(files["good.pdf"], files["low.pdf"])
    assert result.returncode == 1
    assert f"{files['low.pdf']}: KHÔNG ĐẠT" in result.stdout
    assert "  - Phiên bản PDF 1.3, cần từ 1.4 trở lên" in result.stdout
    assert "  - Trang 2: độ phân giải 150 dpi, cần tối thiểu 200 dpi" in result.stdout
    assert "Tổng cộng 2 tệp: 1 đạt, 1 không đạt, 0 không đọc được" in result.stdout


def test_json_lists_one_object_a_file_in_order(run: Any, files: dict[str, str]) -> None:
    result = run("--json", files["good.pdf"], files["low.pdf"])
    assert result.returncode == 1
    listing = json.loads(result.stdout)
    assert [item["file"] for item in listing] == [files["good.pdf"], files["low.pdf"]]
    for item in listing:
        assert set(item) == {"file", "compliant", "pdf_version", "problems", "pages"}
        for page in item["pages"]:
            assert set(page) == {"number", "width_mm", "height_mm", "images"}
            assert all(set(i) == {"ppi_x", "ppi_y", "colour"} for i in page["images"])
    good, low = listing
    assert good["compliant"] is True
    assert good["problems"] == []
    assert low == {
        "file": files["low.pdf"],
        "compliant": False,
        "pdf_version": "1.3",
        "problems": [
            {
                "code": "pdf_version",
                "page": None,
                "message": "Phiên bản PDF 1.3, cần từ 1.4 trở lên",
            },
            {
                "code": "low_resolution",
                "page": 2,
                "message": "Trang 2: độ phân giải 150 dpi, cần tối thiểu 200 dpi",
            },
        ],
        "pages": [
            {
                "number": 1,
                "width_mm": 210.1,
                "height_mm": 297.1,
                "images": [{"ppi_x": 200.0, "ppi_y": 200.0, "colour": "rgb"}],
            },
            {
                "number": 2,
                "width_mm": 210.0,
                "height_mm": 297.0,
                "images": [{"ppi_x": 150.0, "ppi_y": 150.0, "colour": "rgb"}],
            },
        ],
    }
    assert unicodedata.is_normalized("NFC", result.stdout)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.pdf", "Tệp rỗng, không có nội dung PDF"),
        ("cut.pdf", "Tệp PDF bị hỏng hoặc không đầy đủ, không đọc được"),
        ("photo.pdf", "Tệp không phải là tệp PDF"),
        ("missing.pdf", "Không mở được tệp: tệp không tồn tại"),
    ],
)
def test_a_file_that_is_not_a_readable_pdf_exits_2(
    run: Any, files: dict[str, str], name: str, message: str
) -> None:
    result = run(files[name])
    assert result.returncode == 2
    assert result.stdout == f"{files[name]}: KHÔNG ĐỌC ĐƯỢC — {message}\n"


def test_one_unreadable_file_among_good_ones_exits_2_and_reports_all(
    run: Any, files: dict[str, str]
) -> None:
    result = run("--json", files["good.pdf"], files["missing.pdf"], files["low.pdf"])
    assert result.returncode == 2
    listing = json.loads(result.stdout)
    assert [item["compliant"] for item in listing] == [True, False, False]
    assert listing[1]["problems"] == [
        {"code": "unreadable", "page": None, "message": "Không mở được tệp: tệp không tồn tại"}
    ]
    assert listing[1]["pages"] == []
