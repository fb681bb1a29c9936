"""Antivirus scan of uploads through clamd (``CLAMD_SOCKET``), with a quarantine for infected files.

The clamd ``INSTREAM`` command (clamd(8)): ``zINSTREAM\\0``, then the content in chunks each preceded
by its length (4 bytes, network order), then a zero length; clamd answers ``stream: OK`` or
``stream: <signature> FOUND``. When a socket is configured and clamd cannot answer, the upload is
refused (and can be retried): an unscanned file is never stored (``core.uploads.scan_or_quarantine``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import struct
from pathlib import Path

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30.0


class ScanUnavailable(Exception):
    """clamd could not be reached or gave no verdict."""


def clamd_instream(
    content: bytes, *, socket_path: str, timeout: float = TIMEOUT_SECONDS
) -> str | None:
    """Scan ``content`` with clamd; the signature found, or None when clean."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(socket_path)
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(content), CHUNK):
                chunk = content[start : start + CHUNK]
                sock.sendall(struct.pack("!I", len(chunk)) + chunk)
            sock.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ScanUnavailable(f"clamd: {exc}") from exc
    text = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith(" FOUND"):
        return text.removeprefix("stream:").removesuffix(" FOUND").strip() or "unknown"
    if text.endswith(" OK"):
        return None
    raise ScanUnavailable(f"clamd: {text or 'no answer'}")


def quarantine_dir() -> Path:
    configured = settings.UPLOAD_QUARANTINE_DIR
    return Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "quarantine"


def quarantine(*, content: bytes, name: str, signature: str) -> Path:
    """Keep an infected file out of the media folder, with what is known about it beside it."""
    folder = quarantine_dir()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(content).hexdigest()
    path = folder / f"{digest}.bin"
    path.write_bytes(content)
    path.with_suffix(".json").write_text(
        json.dumps(
            {
                "name": name,
                "signature": signature,
                "sha256": digest,
                "size": len(content),
                "at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return path


def scan(*, content: bytes, name: str) -> str | None:
    """The signature found in ``content`` (the file kept in quarantine), or None when it is clean or no
    clamd is configured. :class:`ScanUnavailable` when clamd gives no verdict."""
    socket_path = settings.CLAMD_SOCKET
    if not socket_path:
        return None
    signature = clamd_instream(content, socket_path=socket_path)
    if signature is not None:
        path = quarantine(content=content, name=name, signature=signature)
        logger.warning("Upload quarantined: signature=%s file=%s", signature, path.name)
    return signature
