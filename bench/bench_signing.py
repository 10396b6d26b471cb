# ruff: noqa: S603, S607 — runs our own tools (pdfsig, certutil, motcua) on files it made
"""A result's two signatures, and verification, against bare baselines measured in the same run.

Signing: ``sign_result`` (leader's image, seal, certification, both fields, on a WeasyPrint
letter) against bare pyHanko signing the same file twice with invisible fields, the key loaded
once and ``bytes_reserved`` given (the floor). Two floors are printed: pyHanko's SimpleSigner as
it comes (it re-parses the RSA key for every signature) and the same signer with the parsed key
kept (ours, keys.CachedKeySigner). Form seals: one invisible agency signature on a rendered
form (what every desk action adds, Điều 5.5) against a bare pyHanko signature and against
rendering the form. Verification: ``motcua verify`` and the in-process check
against poppler's ``pdfsig`` on the same signed file. Printed: ms and ratios (best of several
runs). Absolute times on these shared machines mean little; the ratios are what to watch.
"""

import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from weasyprint import HTML  # noqa: E402

from dossiers.signing import result, samples  # noqa: E402
from dossiers.signing.keys import Keyring  # noqa: E402
from dossiers.signing.pki import DemoPKI, agency_subject, person_subject  # noqa: E402
from dossiers.signing.seal import seal_form  # noqa: E402
from dossiers.verification import inspect  # noqa: E402

N = int(os.environ.get("BENCH_N", "20"))
NAME = "Đặng Văn Hùng"


def best(fn: Callable[[], object], n: int = N, rounds: int = 3) -> float:
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - start) / n * 1000)
    return min(times)


def bare_two(pdf: bytes, first: signers.Signer, second: signers.Signer) -> bytes:
    out = pdf
    for i, signer in enumerate((first, second)):
        writer = IncrementalPdfFileWriter(io.BytesIO(out))
        buffer = io.BytesIO()
        signers.PdfSigner(
            signers.PdfSignatureMetadata(field_name=f"S{i}", md_algorithm="sha256"), signer=signer
        ).sign_pdf(writer, output=buffer, bytes_reserved=8192)
        out = buffer.getvalue()
    return out


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-sign-"))
    try:
        pki = DemoPKI(tmp / "pki", "bench")
        leader_p12 = pki.ensure(person_subject("lanhdao", NAME, "Sở Tài chính", "Phó Giám đốc"))
        agency_p12 = pki.ensure(agency_subject("000.00.11.H20", "Sở Tài chính"))
        ring = Keyring(tmp / "pki", "bench")
        letter = HTML(
            string=f"""<html><head><meta charset="utf-8"></head><body>
            <p style="margin-left:300px">KT. GIÁM ĐỐC<br>PHÓ GIÁM ĐỐC</p>
            <div style="height:130px"></div><p style="margin-left:300px">{NAME}</p>
            </body></html>"""
        ).write_pdf()
        signature, seal = samples.signature_png(), samples.seal_png()
        placement = result.find_placement(letter, NAME)
        leader, agency = ring.user("lanhdao"), ring.agency("000.00.11.H20")

        def ours() -> bytes:
            return result.sign_result(
                letter,
                leader=leader,
                agency=agency,
                signature_png=signature,
                seal_png=seal,
                seal_mm=(36.0, 36.0),
                placement=placement,
            )

        plain_leader = signers.SimpleSigner.load_pkcs12(str(leader_p12), passphrase=b"bench")
        plain_agency = signers.SimpleSigner.load_pkcs12(str(agency_p12), passphrase=b"bench")
        as_shipped = best(lambda: bare_two(letter, plain_leader, plain_agency))
        floor = best(lambda: bare_two(letter, leader, agency))
        domain = best(ours)
        placing = best(lambda: result.find_placement(letter, NAME))
        print(f"two signatures, bare pyHanko (SimpleSigner as shipped): {as_shipped:7.1f} ms")
        print(f"two signatures, bare pyHanko (key parsed once, floor): {floor:7.1f} ms")
        print(
            f"two signatures, sign_result (images, seal, DocMDP):   {domain:7.1f} ms  "
            f"ratio {domain / floor:.2f}x the floor (goal <= 1.5x), "
            f"{domain / as_shipped:.2f}x pyHanko as shipped"
        )
        print(f"finding the signer's name (pdftotext), when not given: {placing:7.1f} ms")

        # Điều 5.5: every form the desk issues is sealed (dossiers/signing/seal.py). What one
        # seal adds to a desk action, against rendering the form and against the bare floor.
        def form() -> bytes:
            return HTML(
                string="<html><head><meta charset='utf-8'></head><body><h1>GIẤY TIẾP "
                "NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ</h1><p>Mã hồ sơ 000.00.01.H99-"
                "261201-0001</p></body></html>"
            ).write_pdf(pdf_version="1.7")

        receipt = form()
        rendering = best(form, n=5)
        sealing = best(lambda: seal_form(receipt, agency))
        bare_one = best(lambda: bare_two(receipt, agency, agency)) / 2
        print(
            f"one form seal (invisible, certified):   {sealing:7.1f} ms  "
            f"ratio {sealing / bare_one:.2f}x a bare pyHanko signature, "
            f"{sealing / rendering:.2f}x rendering the form ({rendering:.1f} ms)"
        )

        signed = tmp / "ket-qua.pdf"
        signed.write_bytes(ours())
        roots = ring.trust_roots()
        in_process = best(lambda: inspect(signed.read_bytes(), roots), n=10)
        nss = tmp / "nss"
        nss.mkdir()
        pdfsig_cmd: list[str] = ["pdfsig", str(signed)]
        if shutil.which("certutil"):
            subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
            subprocess.run(
                [
                    "certutil",
                    "-A",
                    "-d",
                    f"sql:{nss}",
                    "-n",
                    "root",
                    "-t",
                    "CT,C,C",
                    "-i",
                    str(tmp / "pki" / "root.pem"),
                ],
                check=True,
            )
            pdfsig_cmd = ["pdfsig", "-nssdir", f"sql:{nss}", str(signed)]
        poppler = best(lambda: subprocess.run(pdfsig_cmd, capture_output=True, check=False), n=10)
        env = {
            **os.environ,
            "MOTCUA_PKI_DIR": str(tmp / "pki"),
            "MOTCUA_KEY_PASSPHRASE": "bench",
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite'}",
            "MOTCUA_STORAGE": str(tmp / "files"),
            "SECRET_KEY": "bench",
            "REDIS_URL": "",
        }
        motcua = [sys.executable, "-m", "motcua.cli"]
        subprocess.run(motcua + ["db", "upgrade"], env=env, check=True, capture_output=True)
        command = best(
            lambda: subprocess.run(
                motcua + ["verify", str(signed)], env=env, capture_output=True, check=False
            ),
            n=3,
        )
        print(f"verify, pdfsig process:                 {poppler:7.1f} ms")
        print(
            f"verify, in-process (dossiers.verification): {in_process:7.1f} ms  "
            f"ratio {in_process / poppler:.2f}x pdfsig (goal <= 1x)"
        )
        print(
            f"verify, `motcua verify` process:        {command:7.1f} ms  "
            f"ratio {command / poppler:.2f}x pdfsig (Python and app start-up included)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
