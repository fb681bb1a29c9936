"""A test certification authority made offline: root, intermediate, agency signers (valid, expired,
revoked), the system seal, a delegated OCSP responder and a time-stamping authority, each written as
PEM and PKCS#12 so the portal loads them the way it loads an operator's certificates.

Only for the test suite, the demo and the benchmarks: a real deployment pins the Government CA root
(Ban Cơ yếu Chính phủ) and the public CAs the operator chooses (``SIGNING_TRUST_ROOTS``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSPHRASE = "opendvc-test"


def _name(cn: str, org: str = "OpenDVC Test CA") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


@dataclass
class TestCA:
    base_url: str
    root: Issued
    intermediate: Issued
    ocsp: Issued
    tsa: Issued
    leaves: dict[str, Issued] = field(default_factory=dict)
    revoked: dict[int, dt.datetime] = field(default_factory=dict)

    def pkcs12(self, name: str, passphrase: str = PASSPHRASE) -> bytes:
        leaf = self.leaves[name]
        return pkcs12.serialize_key_and_certificates(
            name.encode(),
            leaf.key,
            leaf.cert,
            [self.intermediate.cert, self.root.cert],
            serialization.BestAvailableEncryption(passphrase.encode()),
        )

    def revoke(self, name: str, at: dt.datetime | None = None) -> None:
        self.revoked[self.leaves[name].cert.serial_number] = at or dt.datetime.now(
            dt.UTC
        ) - dt.timedelta(hours=1)

    def by_serial(self, serial: int) -> x509.Certificate | None:
        for leaf in (*self.leaves.values(), self.ocsp, self.tsa):
            if leaf.cert.serial_number == serial:
                return leaf.cert
        return None

    def crl(self, issuer: str = "intermediate") -> bytes:
        ca = self.root if issuer == "root" else self.intermediate
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(ca.cert.subject)
            .last_update(now - dt.timedelta(minutes=5))
            .next_update(now + dt.timedelta(days=1))
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False
            )
            .add_extension(x509.CRLNumber(int(now.timestamp())), False)
        )
        if issuer != "root":
            for serial, at in self.revoked.items():
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(serial)
                    .revocation_date(at)
                    .build()
                )
        return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def write(self, directory: Path) -> dict[str, Path]:
        """Write the root (the pinned trust anchor), the chain and each leaf's PKCS#12."""
        directory.mkdir(parents=True, exist_ok=True)
        out = {"root": directory / "root.pem", "intermediate": directory / "intermediate.pem"}
        out["root"].write_bytes(self.root.pem())
        out["intermediate"].write_bytes(self.intermediate.pem())
        for name in self.leaves:
            path = directory / f"{name}.p12"
            path.write_bytes(self.pkcs12(name))
            out[name] = path
        return out

    def save(self, directory: Path) -> Path:
        """Keep the whole CA — keys included — in ``directory/state.json`` so that a later run serves
        the same chain and documents signed earlier still verify (``load``)."""
        directory.mkdir(parents=True, exist_ok=True)

        def one(issued: Issued) -> dict[str, str]:
            return {"cert": issued.pem().decode(), "key": issued.key_pem().decode()}

        state = {
            "base_url": self.base_url,
            "root": one(self.root),
            "intermediate": one(self.intermediate),
            "ocsp": one(self.ocsp),
            "tsa": one(self.tsa),
            "leaves": {name: one(leaf) for name, leaf in self.leaves.items()},
            "revoked": {str(serial): at.isoformat() for serial, at in self.revoked.items()},
        }
        path = directory / "state.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.chmod(0o600)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, directory: Path) -> TestCA | None:
        """The CA kept by ``save`` in ``directory``, or ``None`` when there is none or it is unreadable."""
        path = directory / "state.json"
        try:
            state = json.loads(path.read_text())

            def one(item: dict[str, str]) -> Issued:
                return Issued(
                    x509.load_pem_x509_certificate(item["cert"].encode()),
                    serialization.load_pem_private_key(item["key"].encode(), password=None),
                )

            return cls(
                state["base_url"],
                one(state["root"]),
                one(state["intermediate"]),
                one(state["ocsp"]),
                one(state["tsa"]),
                {name: one(item) for name, item in state["leaves"].items()},
                {int(s): dt.datetime.fromisoformat(at) for s, at in state["revoked"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)
    )


def _key(rsa_key: bool = False):
    # The time-stamping authority signs with RSA (what pyHanko's RFC 3161 responder supports).
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if rsa_key
        else ec.generate_private_key(ec.SECP256R1())
    )


def _leaf(
    ca: Issued,
    base_url: str,
    subject: x509.Name,
    *,
    not_before,
    not_after,
    eku=None,
    ocsp_nocheck: bool = False,
    key_usage: str = "sign",
    rsa_key: bool = False,
) -> Issued:
    key = _key(rsa_key=rsa_key or key_usage == "tsa")
    aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key())
    b = (
        _builder(
            subject, ca.cert.subject, key.public_key(), not_before=not_before, not_after=not_after
        )
        .add_extension(aki, False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=key_usage == "sign",
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
    )
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), True)
    if ocsp_nocheck:
        b = b.add_extension(x509.OCSPNoCheck(), False)
    else:
        b = b.add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.oid.AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(f"{base_url}/ocsp"),
                    )
                ]
            ),
            False,
        ).add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{base_url}/intermediate.crl")],
                        None,
                        None,
                        None,
                    )
                ]
            ),
            False,
        )
    return Issued(b.sign(ca.key, hashes.SHA256()), key)


def build(
    base_url: str,
    *,
    agencies: dict[str, tuple[str, str]] | None = None,
    rsa: tuple[str, ...] = (),
) -> TestCA:
    """A fresh CA whose certificates point their OCSP and CRL at ``base_url`` (the trust-services
    simulator). ``agencies``: extra leaves, name → (signer's name, agency name); ``rsa``: the leaves
    given an RSA-2048 key (as the public CAs issue to agencies) instead of ECDSA P-256."""
    now = dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    root_key = _key()
    root_name = _name("OpenDVC Test Root CA")
    root = Issued(
        _builder(
            root_name,
            root_name,
            root_key.public_key(),
            not_before=now - day,
            not_after=now + 3650 * day,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .sign(root_key, hashes.SHA256()),
        root_key,
    )
    int_key = _key()
    intermediate = Issued(
        _builder(
            _name("OpenDVC Test Intermediate CA"),
            root_name,
            int_key.public_key(),
            not_before=now - day,
            not_after=now + 1825 * day,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{base_url}/root.crl")], None, None, None
                    )
                ]
            ),
            False,
        )
        .sign(root_key, hashes.SHA256()),
        int_key,
    )
    year = 365 * day
    ocsp = _leaf(
        intermediate,
        base_url,
        _name("OpenDVC Test OCSP Responder"),
        not_before=now - day,
        not_after=now + year,
        eku=[ExtendedKeyUsageOID.OCSP_SIGNING],
        ocsp_nocheck=True,
        key_usage="ocsp",
    )
    tsa = _leaf(
        intermediate,
        base_url,
        _name("OpenDVC Test TSA"),
        not_before=now - day,
        not_after=now + year,
        eku=[ExtendedKeyUsageOID.TIME_STAMPING],
        key_usage="tsa",
    )
    ca = TestCA(base_url, root, intermediate, ocsp, tsa)
    people = {
        # The demo's leader of the justice department (``accounts.demo``), who approves and signs.
        "signer": ("Nguyễn Văn Lãnh Đạo", "Sở Tư pháp tỉnh Đồng Nai"),
        "seal": ("Cổng Dịch vụ công", "Văn phòng UBND tỉnh Đồng Nai"),
        "revoked": ("Trần Thị Bình", "Sở Tư pháp tỉnh Đồng Nai"),
        **(agencies or {}),
    }
    for name, (cn, org) in people.items():
        ca.leaves[name] = _leaf(
            intermediate,
            base_url,
            _name(cn, org),
            not_before=now - day,
            not_after=now + year,
            rsa_key=name in rsa,
        )
    ca.leaves["expired"] = _leaf(
        intermediate,
        base_url,
        _name("Lê Văn Cường", "Sở Tư pháp tỉnh Đồng Nai"),
        not_before=now - 400 * day,
        not_after=now - 30 * day,
    )
    ca.revoke("revoked")
    return ca
