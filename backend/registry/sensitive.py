"""The registry's sensitive fields (ID numbers, phones): sealed by the keyring
of backend/sensitive, masked on every screen, revealed only to those who may,
and every reveal written to the audit trail (services.reveal)."""

from backend.sensitive.keys import FieldKeyError, blind_index, decrypt, encrypt
from backend.sensitive.masks import birth_year, mask, mask_id_number

__all__ = ["FieldKeyError", "birth_year", "blind_index", "decrypt", "encrypt", "mask", "mask_id_number"]
