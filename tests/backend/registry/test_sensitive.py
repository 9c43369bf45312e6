"""The registry's sensitive fields go through the keyring of backend/sensitive
(tests/backend/sensitive/): the names it re-exports are the keyring's."""

from backend.registry import sensitive
from backend.sensitive import keys, masks


def test_the_registry_seals_with_the_keyring(ctx):
    assert sensitive.encrypt is keys.encrypt and sensitive.decrypt is keys.decrypt
    assert sensitive.blind_index is keys.blind_index and sensitive.FieldKeyError is keys.FieldKeyError
    assert sensitive.mask_id_number is masks.mask_id_number and sensitive.mask is masks.mask
    assert sensitive.encrypt("13800000001").startswith("k1:")
