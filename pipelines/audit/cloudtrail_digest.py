"""AWS CloudTrail log file integrity validation: digest files (`CloudTrail-Digest/…json.gz`), verified here.

Each digest lists the log files CloudTrail delivered in its period with the SHA-256 of each file's
uncompressed content (`logFiles[].hashValue`), and chains to the previous digest: `previousDigestHashValue`
is the SHA-256 of the previous digest's uncompressed content, `previousDigestSignature` its signature.
The digest's own signature (SHA256withRSA, hex) lives in the S3 object's `x-amz-meta-signature` metadata,
not in the file; an organisation that exports it puts it beside the digest as `<digest file>.sig` and the
region's public key (PEM) anywhere under audit/. The signed string is
`digestEndTime \\n digestS3Bucket/digestS3Object \\n hex(SHA-256(uncompressed digest)) \\n previousDigestSignature`
(`null` for the first digest), as the AWS CLI's `validate-logs` builds it.

One `audit_digests` row per digest: `verified` when every log file present in the estate hashes to its
listed value, the file is where the digest says it was delivered, and the chain to the previous digest
holds (a previous digest missing while older ones are present is a gap); otherwise `contradicted`, naming
the file. The signature is `verified`, `invalid`, or `not_checked` when signature or key is not exported.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mcp_clearance.pipelines.base import BadRecord, LoadContext, estate_files

FORMAT = "cloudtrail_digest"
PRIORITY = 10  # asked before the other audit formats: a digest is JSON too, but no event log
REUSE_ROWS = False  # its row depends on other files (the log files it lists, the chain): re-read every run
SIGNATURE_SUFFIX = ".sig"
REQUIRED = ("digestS3Bucket", "digestS3Object", "digestEndTime", "digestStartTime", "logFiles")
_NAME = re.compile(r"_CloudTrail-Digest_[^_]+_(?P<trail>.+)_[^_]+_(?P<stamp>\d{8}T\d{6}Z)(_backfill)?\.json(\.gz)?$")


def detect(path: Path, head: str) -> bool:
    text = head.lstrip()
    if path.name.endswith(SIGNATURE_SUFFIX) or text.startswith("-----BEGIN PUBLIC KEY-----"):
        return "CloudTrail-Digest" in path.as_posix() or text.startswith("-----BEGIN PUBLIC KEY-----")
    return text.startswith("{") and '"digestS3Object"' in head and '"logFiles"' in head


def load(ctx: LoadContext, path: Path) -> int:
    if path.name.endswith(SIGNATURE_SUFFIX) or path.suffix == ".pem":
        return 0  # read by the digest it belongs to
    content = _inflate(path)
    digest = _document(content)
    trail = _NAME.search(str(digest["digestS3Object"]))
    if trail is None:
        raise BadRecord("digestS3Object is not a CloudTrail digest file name")
    files = _audit_files(ctx)
    problems: list[str] = []
    if Path(str(digest["digestS3Object"])).name != path.name:
        problems.append(f"{path.name} has been moved from its original location {digest['digestS3Object']}")
    listed, checked = 0, 0
    for log in digest["logFiles"] or []:
        listed += 1
        name = Path(str(log.get("s3Object", ""))).name
        local = files.get(name)
        if local is None:
            continue  # not exported with the estate: nothing to compare
        checked += 1
        if hashlib.sha256(_inflate(local)).hexdigest() != log.get("hashValue"):
            problems.append(f"log file {ctx.relative(local)}: hash value doesn't match the digest {path.name}")
    problems += _chain_problems(ctx, digest, trail, files)
    signature = _signature(path, digest, content, files)
    if signature == "invalid":
        problems.append(f"{path.name}: signature verification failed")
    ctx.insert_rows("audit_digests", [{
        "digest_file": ctx.relative(path), "trail_name": trail.group("trail"),
        "digest_end_time": str(digest["digestEndTime"]).replace("T", " ").rstrip("Z"),
        "log_files_listed": listed, "log_files_checked": checked,
        "status": "contradicted" if problems else "verified", "problem": "; ".join(problems) or None,
        "signature": signature, "source_file": ctx.relative(path),
    }])
    return 1


def _inflate(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise BadRecord(f"cannot read file: {type(exc).__name__}") from None


def _document(content: bytes) -> dict[str, Any]:
    try:
        digest = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRecord("not a CloudTrail digest: invalid JSON") from None
    if not isinstance(digest, dict):
        raise BadRecord("not a CloudTrail digest: expected an object")
    missing = [key for key in REQUIRED if key not in digest]
    if missing:
        raise BadRecord(f"not a CloudTrail digest: missing {', '.join(missing)}")
    return digest


def _audit_files(ctx: LoadContext) -> dict[str, Path]:
    """Every file under the estate's audit folder by name (CloudTrail names are unique per delivery), listed once
    per run: listing it for each digest made the digests' cost grow with digests x files."""
    if "cloudtrail_audit_files" not in ctx.memo:
        ctx.memo["cloudtrail_audit_files"] = {p.name: p for p in estate_files(ctx.estate_root / "audit")}
    return ctx.memo["cloudtrail_audit_files"]


def _chain_problems(ctx: LoadContext, digest: dict[str, Any], trail: re.Match[str],
                    files: dict[str, Path]) -> list[str]:
    previous = digest.get("previousDigestS3Object")
    if not previous:
        return []  # the first digest of the trail (or after validation was re-enabled)
    name = Path(str(previous)).name
    local = files.get(name)
    if local is None:
        older = [n for n in files if (m := _NAME.search(n)) and m.group("trail") == trail.group("trail")
                 and m.group("stamp") < trail.group("stamp")]
        # the oldest exported digest names one before the export began; a missing one between others is a gap
        return [f"gap in the digest chain: previous digest {name} is missing"] if older else []
    problems = []
    if hashlib.sha256(_inflate(local)).hexdigest() != digest.get("previousDigestHashValue"):
        problems.append(f"previous digest {ctx.relative(local)}: hash value doesn't match previousDigestHashValue")
    exported = local.with_name(local.name + SIGNATURE_SUFFIX)
    if exported.is_file() and exported.read_text().strip() != digest.get("previousDigestSignature"):
        problems.append(f"previous digest {ctx.relative(local)}: signature doesn't match previousDigestSignature")
    return problems


def _signature(path: Path, digest: dict[str, Any], content: bytes, files: dict[str, Path]) -> str:
    """verified / invalid when the signature and the public key are exported, else not_checked."""
    exported = path.with_name(path.name + SIGNATURE_SUFFIX)
    keys = [p for n, p in files.items() if n.endswith(".pem")]
    if not exported.is_file() or not keys:
        return "not_checked"
    previous = digest.get("previousDigestSignature") or "null"
    signed = (f"{digest['digestEndTime']}\n{digest['digestS3Bucket']}/{digest['digestS3Object']}\n"
              f"{hashlib.sha256(content).hexdigest()}\n{previous}").encode()
    try:
        signature = bytes.fromhex(exported.read_text().strip())
    except ValueError:
        return "invalid"
    tried = False
    for key_file in keys:  # the region's key pairs rotate: any exported key that verifies it will do
        try:
            key = serialization.load_pem_public_key(key_file.read_bytes())
        except ValueError:
            continue
        if not isinstance(key, rsa.RSAPublicKey):
            continue
        tried = True
        try:
            key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return "verified"
    return "invalid" if tried else "not_checked"
