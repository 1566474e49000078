"""Faults a hostile but fair user can cause, measured: crafted files, a writer during a search load, a serving
process killed under load, oversized uploads.

`make bench` runs them at `FULL` size and writes the figures to eval/RESULTS.md (`main`); tests/test_faults.py runs
the same code at a small size in CI.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from eval.load import load_run, rss_mb, serving, spawned_children
from index.kb import KnowledgeBase

API_KEY = "fault-test-key"
QUERIES = [
    "cover crops soil carbon", "agroforestry in dry tropics", "biochar application rate", "no-till carbon storage",
    "compost on sandy soils", "grazing management grassland carbon", "rotations with legumes",
    "paillage sol carbone", "labranza cero carbono", "zaï planting pits Sahel",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Size:
    html_depth: int  # nested <div>s
    html_mb: float  # a large, moderately nested page
    docx_inflated_mb: int
    pdf_pages: int  # references to one page
    clients: int
    seconds: float
    writer_files: int
    anonymous_mb: int  # the anonymous upload
    upload_files: int  # the authenticated upload: files x MB
    upload_mb: int


FULL = Size(200_000, 45, 200, 30_000, 20, 30, 40, 1_000, 20, 47)
SMALL = Size(200_000, 4, 200, 30_000, 4, 8, 10, 100, 4, 25)


# --- crafted files -----------------------------------------------------------------------------------------------


def craft(folder: Path, size: Size) -> dict[str, str]:
    """Write the crafted files into `folder`; returns file name -> what it is."""
    folder.mkdir(parents=True, exist_ok=True)
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    laughs += [f"{n}: &{n} [{','.join(['*' + p] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
    (folder / "aliases.md").write_text("---\n" + "\n".join(laughs) + "\n---\n# Laughs\n\nbody\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            block = b"<w:p/>" * 100_000
            for _ in range(size.docx_inflated_mb * 1_000_000 // len(block)):
                part.write(block)
    (folder / "inflates.docx").write_bytes(buffer.getvalue())
    (folder / "deep.html").write_text("<html><body>" + "<div>" * size.html_depth + "x" + "</div>" * size.html_depth)
    section = "<section><div><p>Soil carbon rises under cover crops.</p><ul><li>one</li><li>two</li></ul></div>"
    section += "<div>" * 40 + "<span>nested text</span>" + "</div>" * 40 + "</section>"
    count = int(size.html_mb * 1_000_000 / len(section))
    (folder / "large.html").write_text("<html><body>" + section * count + "</body></html>")
    (folder / "pages.pdf").write_bytes(_page_references(size.pdf_pages))
    (folder / "no-spaces.txt").write_text("carbon" * 170_000)  # 1 MB without whitespace
    links = folder / "names"  # read as a folder, as `humus ingest inbox/` would
    links.mkdir()
    with open(os.fsencode(links) + b"/bad-name-\xff.txt", "wb") as f:
        f.write(b"Soil carbon notes.")
    (links / "loop-a.md").symlink_to("loop-b.md")
    (links / "loop-b.md").symlink_to("loop-a.md")
    (links / "up").symlink_to("..")
    (links / "outside.md").symlink_to("/etc/hostname")
    return {
        "aliases.md": "399 B of YAML aliases (billion laughs)",
        "inflates.docx": f"DOCX of {len((folder / 'inflates.docx').read_bytes()) // 1000} KB, "
        f"XML inflating to {size.docx_inflated_mb} MB",
        "deep.html": f"{size.html_depth:,} nested <div>s",
        "large.html": f"{size.html_mb:g} MB of nested HTML",
        "pages.pdf": f"PDF with {size.pdf_pages:,} page references",
        "no-spaces.txt": "1 MB of text without whitespace",
        "names": "a folder holding a file name not valid UTF-8, a symbolic link loop, a link to its parent folder "
        "and a link to a file outside",
    }


def _page_references(n: int) -> bytes:
    """A PDF whose page tree lists one page `n` times."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b"3 0 R " * n + b"] /Count %d >>" % n,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@contextmanager
def peak_rss(pids: Callable[[], list[int]]) -> Iterator[list[float]]:
    """The largest summed resident memory (MB) of the processes `pids()` names, sampled every 20 ms in the block."""
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            total = 0.0
            for pid in pids():
                with suppress(OSError):
                    total += rss_mb(pid)
            peak[0] = max(peak[0], total)
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def crafted_file_run(size: Size) -> list[dict]:
    """Each crafted file ingested on its own: outcome line, seconds, and the peak memory of the parse worker."""
    from ingest.worker import parse_worker

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "crafted"
        described = craft(folder, size)
        kb = KnowledgeBase.open(Path(tmp) / "home")
        worker = parse_worker()
        kb.ingest([folder / "aliases.md"], index=False)  # start the worker before timing
        for name, what in described.items():
            began = time.perf_counter()
            with peak_rss(lambda: [worker._process.pid] if worker._process else []) as peak:
                report = kb.ingest([folder / name], index=False)
            seconds = time.perf_counter() - began
            outcome = "; ".join(f"{Path(f.path).name}: {f.status}: {f.message}" for f in report.files)
            rows.append({"file": what, "outcome": outcome or "nothing read", "seconds": seconds, "peak_mb": peak[0]})
        kb.close()
    return rows


# --- serving under faults ---------------------------------------------------------------------------------------


def writer_during_load(home: Path, size: Size) -> dict:
    """Searches from `size.clients` clients while `humus ingest` writes `size.writer_files` new files into the
    served home."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "new"
        folder.mkdir()
        for i in range(size.writer_files):
            words = " ".join(f"{w}{i}" for w in ("kelp", "mulch", "terrace", "biochar", "swale") * 40)
            (folder / f"note-{i:02d}.md").write_text(f"# Field note {i}\n\nCompost trial {i}: {words}.\n" * 6)
        with serving(home, workers=2, cached=False) as server:
            env = {**os.environ, "HUMUS_HOME": str(home)}
            cmd = [str(Path(sys.executable).parent / "humus"), "ingest", str(folder)]
            began = time.perf_counter()
            writer = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
            run = load_run(server.base, QUERIES, size.clients, size.seconds, busy=lambda: writer.poll() is None)
            code = writer.wait()
            ingest_s = time.perf_counter() - began
            found = httpx.get(f"{server.base}/api/search", params={"q": "kelp0 mulch0"}, timeout=60).json()
    return {**_summary(run), "writer_exit": code, "ingest_s": ingest_s,
            "new_found": any("note-00" in h["source"] for h in found["results"])}  # fmt: skip


def killed_under_load(home: Path, size: Size) -> dict:
    """A serving process killed (SIGKILL) a third into a search load: errors, and seconds until the throughput is
    back to 90 % of what it was before."""
    with serving(home, workers=2, cached=False) as server:
        answering = set()  # the processes that get connections (a spare gets none)
        for _ in range(8):
            with httpx.Client(base_url=server.base, timeout=60) as client:  # a new connection each time
                answering.add(client.get("/health").json()["process"])
        victim = min(answering)
        delay = size.seconds / 3

        def kill() -> None:
            time.sleep(delay)
            os.kill(victim, signal.SIGKILL)

        threading.Thread(target=kill, daemon=True).start()
        run = load_run(server.base, QUERIES, size.clients, size.seconds * 2, timeline=True)
        health = httpx.get(f"{server.base}/health", timeout=30).json()
    done = [t for t, _, ok in run["timeline"] if ok]
    before = sum(1 for t in done if 1 <= t < delay) / max(delay - 1, 1e-9)
    recovered = None
    for second in range(int(delay), int(size.seconds * 2)):
        if sum(1 for t in done if second <= t < second + 1) >= 0.9 * before:
            recovered = second + 1 - delay
            break
    return {**_summary(run), "timeline": run["timeline"], "rps_before": before, "back_within_s": recovered,
            "processes_up": health.get("processes_up"), "processes": health.get("processes")}  # fmt: skip


def _summary(run: dict) -> dict:
    return {k: run[k] for k in ("clients", "seconds", "requests", "errors", "rps", "p50_ms", "p95_ms", "max_ms")}


def anonymous_upload(home: Path, size: Size) -> dict:
    """A client without a key sends `size.anonymous_mb` MB: what the server read and what it wrote to disk."""
    with serving(home, workers=2, env={"HUMUS_API_KEY": API_KEY}) as server:  # writes on, and no key sent
        before = _disk_bytes(home) + _disk_bytes(Path(tempfile.gettempdir()))
        sent, status, seconds = _stream_upload(server.base, size.anonymous_mb * 1_000_000, key=None)
        after = _disk_bytes(home) + _disk_bytes(Path(tempfile.gettempdir()))
    return {"mb_offered": size.anonymous_mb, "mb_sent_before_answer": sent / 1e6, "status": status,
            "seconds": seconds, "disk_mb": max(0, after - before) / 1e6}  # fmt: skip


def authenticated_upload(home: Path, size: Size) -> dict:
    """`size.upload_files` files of `size.upload_mb` MB each, with the key: peak memory the serving processes
    added while receiving them."""
    with serving(home, workers=2, env={"HUMUS_API_KEY": API_KEY}) as server:
        pids = spawned_children(server.pid) or [server.pid]
        base_mb = _settled_rss(pids)  # the spare may still be loading
        with peak_rss(lambda: pids) as peak:
            began = time.perf_counter()
            files = [(f"big-{i}.pdf", size.upload_mb * 1_000_000) for i in range(size.upload_files)]
            response = httpx.post(
                f"{server.base}/api/documents?wait=600", headers={"X-API-Key": API_KEY, "Content-Type": _CONTENT_TYPE},
                content=_multipart(files), timeout=600,
            )  # fmt: skip
            seconds = time.perf_counter() - began
    results = {f["status"] for f in response.json().get("files", [])}
    return {"files": size.upload_files, "mb_each": size.upload_mb, "status": response.status_code,
            "seconds": seconds, "ram_added_mb": peak[0] - base_mb, "results": sorted(results)}  # fmt: skip


def _settled_rss(pids: list[int], within_mb: float = 2.0, limit_s: float = 120) -> float:
    """The summed resident memory of `pids` once it stops growing (two samples 1 s apart within `within_mb`)."""
    previous, deadline = -1e9, time.monotonic() + limit_s
    while True:
        current = sum(rss_mb(p) for p in pids)
        if abs(current - previous) < within_mb or time.monotonic() > deadline:
            return current
        previous = current
        time.sleep(1)


_BOUNDARY = "humusfaultboundary"
_CONTENT_TYPE = f"multipart/form-data; boundary={_BOUNDARY}"


def _multipart(files: list[tuple[str, int]]) -> Iterator[bytes]:
    """A multipart body generated on the fly (the client holds 1 MB at a time)."""
    block = b"\x00not a pdf\x00" * 100_000
    for name, length in files:
        yield (f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
               "Content-Type: application/pdf\r\n\r\n").encode()  # fmt: skip
        for start in range(0, length, len(block)):
            yield block[: min(len(block), length - start)]
        yield b"\r\n"
    yield f"--{_BOUNDARY}--\r\n".encode()


def _stream_upload(base: str, length: int, key: str | None) -> tuple[int, int, float]:
    """Send a `length`-byte upload over a raw socket until the server answers; bytes sent, status, seconds."""
    url = httpx.URL(base)
    head = (f"POST /api/documents HTTP/1.1\r\nHost: {url.host}\r\nContent-Type: {_CONTENT_TYPE}\r\n"
            f"Content-Length: {length}\r\n" + (f"X-API-Key: {key}\r\n" if key else "") + "\r\n").encode()  # fmt: skip
    sent, began = 0, time.perf_counter()
    with socket.create_connection((url.host, url.port), timeout=60) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        block = b"x" * 1_000_000
        answer = b""
        while sent < length:
            try:
                answer += sock.recv(65536)
            except BlockingIOError:
                pass
            except OSError:
                break
            if b"\r\n\r\n" in answer:
                break
            try:
                sent += sock.send(block[: length - sent])
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:  # the server closed the connection
                break
        sock.setblocking(True)
        while b"\r\n" not in answer:
            try:
                more = sock.recv(65536)
            except OSError:
                break
            if not more:
                break
            answer += more
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return sent, status, time.perf_counter() - began


def _disk_bytes(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            with suppress(OSError):
                total += (Path(root) / name).lstat().st_blocks * 512
    return total


# --- all of it ---------------------------------------------------------------------------------------------------


def run_all(home: Path, size: Size) -> dict:
    """Every fault on a copy of the store in `home` (the copy is what the writer and the uploads change)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "home"
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("jobs", "uploads", "write.lock"))
        return {
            "crafted": crafted_file_run(size),
            "writer": writer_during_load(copy, size),
            "killed": killed_under_load(copy, size),
            "anonymous": anonymous_upload(copy, size),
            "authenticated": authenticated_upload(copy, size),
        }


def section(figures: dict, size: Size) -> list[str]:
    """The Markdown of the section "Faults" in eval/RESULTS.md."""
    lines = ["| Crafted file | Outcome | Seconds | Parse worker peak (MB) |", "|---|---|---:|---:|"]
    for row in figures["crafted"]:
        lines.append(f"| {row['file']} | {row['outcome'][:400]} | {row['seconds']:.1f} | {row['peak_mb']:.0f} |")
    w, k = figures["writer"], figures["killed"]
    a, u = figures["anonymous"], figures["authenticated"]
    lines += [
        "",
        "| Fault | Requests | Errors | p50 ms | p95 ms | max ms | req/s | |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        f"| `humus ingest` of {size.writer_files} files into the served home | {w['requests']} | {w['errors']} | "
        f"{w['p50_ms']:.0f} | {w['p95_ms']:.0f} | {w['max_ms']:.0f} | {w['rps']:.0f} | ingest took "
        f"{w['ingest_s']:.0f} s; new files found after it: {'yes' if w['new_found'] else 'no'} |",
        f"| one of 2 serving processes killed at {size.seconds / 3:.0f} s | {k['requests']} | {k['errors']} | "
        f"{k['p50_ms']:.0f} | {k['p95_ms']:.0f} | {k['max_ms']:.0f} | {k['rps']:.0f} | throughput back to 90 % "
        f"of {k['rps_before']:.0f} req/s within {_seconds(k['back_within_s'])}; processes up after: "
        f"{k['processes_up']}/{k['processes']} |",
        "",
        f"- Anonymous upload of {a['mb_offered']} MB: answered {a['status']} after {a['mb_sent_before_answer']:.1f} MB "
        f"had been sent ({a['seconds']:.2f} s); disk used {a['disk_mb']:.1f} MB.",
        f"- Authenticated upload of {u['files']} × {u['mb_each']} MB: answered {u['status']} in {u['seconds']:.0f} s; "
        f"the serving processes' memory grew by {u['ram_added_mb']:.0f} MB at most (the files are streamed to disk; "
        f"a job ingests them: {', '.join(u['results'])}).",
    ]
    return lines


def _seconds(value: float | None) -> str:
    return f"{value:.0f} s" if value is not None else "the run (not recovered)"


def main(size: Size = FULL) -> None:
    """Every fault at `size` on a copy of the `make bench` store; writes the section "faults" of eval/RESULTS.md."""
    from eval.bench import bench_home, open_bench_store
    from eval.results import write_section

    open_bench_store()[0].close()  # built (or brought up to date) first
    figures = run_all(bench_home(), size)
    lines = [
        "## Faults (`make bench`, `eval/faults.py`)",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        "on a copy of its store (corpus/practices). "
        "Crafted files are each ingested alone (`KnowledgeBase.ingest`); the worker's peak is the resident memory "
        "of the parse worker process, sampled every 20 ms (about 420 MB of it is the worker itself: parsers and the "
        "e5 tokenizer). Serving faults run against `humus serve` with 2 processes, no query cache, "
        f"{size.clients} clients searching (`eval/load.py`). The same code runs at a small size in CI "
        "(`tests/test_faults.py`). Targets: every crafted file refused in ≤ 60 s and ≤ 1 GB with one line; no "
        "error and max latency ≤ 2 s during a concurrent ingest of 40 files; capacity back within 10 s after a "
        "serving process is killed; a 1 GB anonymous upload costs ≤ 1 MB of disk; an authenticated 20 × 47 MB "
        "upload costs ≤ 100 MB of RAM.",
        "",
        *section(figures, size),
        "",
        "Reproduce: `make bench` (or `python -m eval.faults`; `python -m eval.faults small` prints the CI size).",
    ]
    write_section("faults", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["small"]:
        print("\n".join(section(run_all(Path(os.environ.get("HUMUS_HOME", ".humus")), SMALL), SMALL)))
    else:
        main()
