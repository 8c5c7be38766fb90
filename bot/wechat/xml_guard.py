"""Reading the XML WeChat posts without trusting it: size limit, no DTD, no entities."""

from __future__ import annotations

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

# WeChat's messages are a few hundred bytes; encrypted ones a few kilobytes.
MAX_BODY_BYTES = 64 * 1024


class BadXml(ValueError):
    """The body is not a WeChat message we will read (malformed, hostile or too large)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def read_fields(body: bytes | str, max_bytes: int = MAX_BODY_BYTES) -> dict[str, str]:
    """The child elements of the ``<xml>`` root as ``{tag: text}``.

    Raises:
        BadXml: too large (status 413), a DTD or entity (billion laughs, external entities),
            malformed, or not an ``<xml>`` root.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > max_bytes:
        raise BadXml(f"body of {len(raw)} bytes is over {max_bytes}", status=413)
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise BadXml("DTDs and entities are not accepted")
    try:
        root = fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadXml(f"forbidden XML construct: {type(exc).__name__}") from exc
    except Exception as exc:  # noqa: BLE001 - ParseError and friends: all mean "malformed"
        raise BadXml(f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise BadXml(f"root element is <{root.tag}>, not <xml>")
    return {child.tag: (child.text or "") for child in root}
