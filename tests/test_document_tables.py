"""A table in an attached spreadsheet or Word file keeps its shape in the stored text: one row per
line, its cells separated by a tab (issue 33), on real files made by the libraries that write them."""
from __future__ import annotations

from scraper.extraction.document_text import extract_text
from tests import document_files as files

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_xlsx_sheet_is_one_line_per_row_with_its_cells_tab_separated():
    book = files.xlsx("Bảng kê", [["Xã", "Số ca", "Khỏi"], ["Vân Đồn", 42, 17], ["Cô Tô", 5, 5]])
    read = extract_text(book, "https://x/bang-ke.xlsx", XLSX_MEDIA)
    assert (read.kind, read.status) == ("xlsx", "ok")
    assert read.text == "Bảng kê\nXã\tSố ca\tKhỏi\nVân Đồn\t42\t17\nCô Tô\t5\t5"
    assert [line.split("\t") for line in read.text.splitlines()[1:]] == [
        ["Xã", "Số ca", "Khỏi"], ["Vân Đồn", "42", "17"], ["Cô Tô", "5", "5"]]


def test_an_empty_cell_keeps_the_columns_after_it_in_their_place():
    book = files.xlsx("Bảng kê", [["Xã", "Số ca", "Ghi chú"], ["Vân Đồn", None, "chưa báo cáo"],
                                  ["Cô Tô", 5, None], [None, None, None]])
    text = extract_text(book, "https://x/bang-ke.xlsx", XLSX_MEDIA).text
    assert text == "Bảng kê\nXã\tSố ca\tGhi chú\nVân Đồn\t\tchưa báo cáo\nCô Tô\t5"


def test_a_cell_holding_a_line_break_or_spaces_stays_one_field():
    book = files.xlsx("Danh sách", [["Cơ sở", "Địa chỉ"], ["Bệnh viện\nĐa khoa", "  Phường   Bắc Sơn "]])
    text = extract_text(book, "https://x/ds.xlsx", XLSX_MEDIA).text
    assert text.splitlines()[2].split("\t") == ["Bệnh viện Đa khoa", "Phường Bắc Sơn"]


def test_a_docx_table_is_one_line_per_row_after_its_paragraphs():
    document = files.docx(["# DANH SÁCH", "Các xã đạt chuẩn năm 2023"],
                          [["STT", "Xã", "Huyện"], ["1", "Thạnh An", "Vĩnh Thạnh"], ["2", "Trường Xuân", "Thới Lai"]])
    read = extract_text(document, "https://x/ds.docx", None)
    assert (read.kind, read.status) == ("docx", "ok")
    assert read.text == ("DANH SÁCH\nCác xã đạt chuẩn năm 2023\nSTT\tXã\tHuyện\n1\tThạnh An\tVĩnh Thạnh\n"
                         "2\tTrường Xuân\tThới Lai")


def test_a_merged_docx_cell_is_one_field_not_repeated():
    import io

    import docx as python_docx

    document = python_docx.Document()
    grid = document.add_table(rows=2, cols=3)
    grid.cell(0, 0).merge(grid.cell(0, 1)).text = "Cơ sở khám"
    grid.cell(0, 2).text = "Huyện"
    for column, value in enumerate(["Bệnh viện", "Đa khoa", "Kỳ Anh"]):
        grid.cell(1, column).text = value
    out = io.BytesIO()
    document.save(out)
    assert extract_text(out.getvalue(), "https://x/ds.docx", None).text == "Cơ sở khám\tHuyện\nBệnh viện\tĐa khoa\tKỳ Anh"
