"""Vietnamese text hygiene: everything the system stores or compares is NFC."""

import unicodedata


def nfc(value: str) -> str:
    """NFC-normalise and strip. NFD input (common from macOS and some IMEs) draws
    stacked marks in PDFs and defeats equality and search, so it never gets stored."""
    return unicodedata.normalize("NFC", value or "").strip()
