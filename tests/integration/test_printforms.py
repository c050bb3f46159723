"""printforms: every form rendered for the demo ward, checked as a user would.

Runs printforms-demo (printforms/demo/) on printforms/demo/ward-3.json and
checks the PDF with the tools a person would use: qpdf --check is clean;
pdftotext gives back the patients' names, inpatient numbers, drugs and the
serials; zbarimg (zbar-tools) decodes every page's QR code to
LL1|serial|form|department|patient; and the patients whose names the font
cannot draw (王𠮷: U+20BB7 beyond the BMP; 赵鿌: U+9FCC missing from
WenQuanYi Zen Hei) get a box marked 手写 instead of a wrong name.
"""
import json
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import binary

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "printforms" / "templates"
DATA_FILE = ROOT / "printforms" / "demo" / "ward-3.json"
DATA = json.loads(DATA_FILE.read_text(encoding="utf-8"))
DEPT = DATA["department"]["code"]
PATIENTS = {p["id"]: p for p in DATA["patients"]}
# The names the font cannot draw, and the character that stops each.
UNDRAWABLE = {"P0308": "U+20BB7", "P0319": "U+9FCC"}
# Per-patient forms print a few patients (the two undrawable names among them)
# so that rasterising every page for zbarimg stays quick.
CHOSEN = ["P0301", "P0306", "P0308", "P0319"]

FORMS = ["admission-register", "breakpoint-record", "discharge-settlement", "drug-requisition",
         "fee-record", "invoice-register", "lab-request", "mar", "order-sheet",
         "outpatient-prescription", "price-list", "registration-log", "ward-census"]
PER_PATIENT = {"discharge-settlement", "drug-requisition", "fee-record", "lab-request", "order-sheet"}
# Forms whose rows list the patients' drugs.
WITH_DRUGS = {"mar", "order-sheet", "drug-requisition"}


def need(tool):
    if not shutil.which(tool):
        pytest.fail(f"{tool} is missing: tools/lib/common.sh installs it (BASE_PACKAGES)")


def render(tmp_path, job, prefix):
    """Render job (a list of items) to tmp_path/PREFIX.pdf; return (pdf path, report)."""
    out = tmp_path / f"{prefix}.pdf"
    proc = subprocess.run(
        [binary("printforms/printforms-demo"), "--templates", str(TEMPLATES), "--data", str(DATA_FILE),
         "--job", json.dumps(job), "--serial-prefix", prefix, "-o", str(out)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return out, json.loads(proc.stdout)


def pdf_text(pdf, page=None, layout=False):
    args = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    if page:
        args += ["-f", str(page), "-l", str(page)]
    proc = subprocess.run(args + [str(pdf), "-"], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode("utf-8")


def qr_codes(pdf, page, tmp_path):
    """The QR payloads zbarimg reads on one page rendered at 150 dpi."""
    stem = tmp_path / f"{pdf.stem}-p{page}"
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                    str(pdf), str(stem)], check=True, capture_output=True, timeout=60)
    proc = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable", f"{stem}.png"],
                          capture_output=True, timeout=60)
    return proc.stdout.decode("utf-8").split()


def job_for(form):
    item = {"form": form}
    if form in PER_PATIENT:
        item["patients"] = CHOSEN
    return [item]


def expected_patients(form):
    if form in PER_PATIENT:
        return CHOSEN
    if form == "ward-census":
        return list(PATIENTS)
    if form == "mar":
        return [pid for pid, p in PATIENTS.items() if any(o.get("next_doses") for o in p.get("orders", []))]
    return []


@pytest.mark.parametrize("form", FORMS)
def test_form_renders_for_the_demo_ward(form, tmp_path):
    for tool in ("qpdf", "pdftotext", "pdftoppm", "zbarimg"):
        need(tool)
    pdf, report = render(tmp_path, job_for(form), "T" + str(FORMS.index(form)))
    sheets = report["sheets"]
    assert report["pages"] == len(sheets) > 0
    assert {s["form"] for s in sheets} == {form}

    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout

    text = pdf_text(pdf)
    assert "停机应急表单" in text and DATA["hospital"] in text and DATA["department"]["name"] in text
    assert re.search(rf"第\s*1\s*/\s*{len(sheets)}\s*页", text)
    for s in sheets:
        assert s["serial"] in text, f"serial {s['serial']} not printed"
    for pid in expected_patients(form):
        p = PATIENTS[pid]
        assert p["inpatient_no"] in text, f"{form}: inpatient number of {pid} missing"
        if pid in UNDRAWABLE:
            assert p["name"] not in text
        else:
            assert p["name"] in text, f"{form}: name {p['name']} missing"
        if form in WITH_DRUGS:
            for o in p.get("orders", []):
                if form != "mar" or o.get("next_doses"):
                    assert o["drug"] in text.replace("\n", ""), f"{form}: {o['drug']} of {pid} missing"
    if form == "price-list":
        for item in DATA["price_list"]:
            assert item["drug"] in text and item["code"] in text
    if form in ("registration-log", "admission-register"):
        kind = "outpatient" if form == "registration-log" else "inpatient"
        r = next(r for r in DATA["number_ranges"] if r["kind"] == kind)
        for n in (r["first"], r["last"]):
            assert f"{r['prefix']}{n:0{r['digits']}d}" in text

    for i, s in enumerate(sheets, start=1):
        payload = f"LL1|{s['serial']}|{form}|{DEPT}|{s['patient'] or ''}"
        assert qr_codes(pdf, i, tmp_path) == [payload], f"page {i}"


def test_undrawable_names_are_boxed_for_handwriting(tmp_path):
    pdf, report = render(tmp_path, [{"form": "ward-census"}, {"form": "order-sheet", "patients": ["P0308"]}], "H")
    marks = report["marks"]
    # the API reports every marked field: which page, patient, field and character
    assert {(m["page"], m["patient"], m["field"], m["codepoint"]) for m in marks} >= {
        (1, "P0308", "name", "U+20BB7"), (1, "P0319", "name", "U+9FCC")}
    order_page = next(s["page"] for s in report["sheets"] if s["form"] == "order-sheet")
    assert (order_page, "P0308", "name", "U+20BB7") in {(m["page"], m["patient"], m["field"], m["codepoint"])
                                                         for m in marks}
    assert all(m["patient"] in UNDRAWABLE for m in marks)
    # the census row of each such patient carries 手写 where the name would be, and no wrong name
    text = pdf_text(pdf, layout=True)
    for pid in UNDRAWABLE:
        p = PATIENTS[pid]
        row = next(line for line in text.splitlines() if p["inpatient_no"] in line)
        assert "手写" in row, row
        surname = p["name"][0]
        assert surname not in row, f"a partial name is printed: {row}"
    # the order sheet header of 王𠮷: the name field is marked, the rest is printed
    page_text = pdf_text(pdf, page=order_page, layout=True)
    assert "手写" in page_text and PATIENTS["P0308"]["inpatient_no"] in page_text
    assert "𠮷" not in page_text


def test_ward_packet_is_one_document(tmp_path):
    """Census, MAR, order sheets and requisitions in two copies for 30 patients: one PDF."""
    job = [{"form": "ward-census"}, {"form": "mar"}, {"form": "order-sheet"}, {"form": "drug-requisition"}]
    pdf, report = render(tmp_path, job, "PK")
    sheets = report["sheets"]
    serials = [s["serial"] for s in sheets]
    assert len(set(serials)) == len(serials) == report["pages"]
    n = len(PATIENTS)
    assert sum(s["form"] == "drug-requisition" for s in sheets) == 2 * n
    assert [s["copy"] for s in sheets if s["form"] == "drug-requisition"][:2] == ["第一联 科室留存", "第二联 药房凭证"]
    assert sum(s["form"] == "order-sheet" for s in sheets) >= n
    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(rf"^Pages:\s+{report['pages']}$", info, re.M)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "WenQuanYi" in fonts and " yes " in fonts  # embedded
    text = pdf_text(pdf)
    for p in PATIENTS.values():
        assert p["inpatient_no"] in text
    assert "第一联 科室留存" in text and "第二联 药房凭证" in text
    print(f"\nward packet: {report['pages']} pages in {report['ms']:.0f} ms "
          f"({report['pages_per_s']:.0f} pages/s), {report['bytes'] / 1e6:.1f} MB")
