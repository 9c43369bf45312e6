"""The household and care registry."""
