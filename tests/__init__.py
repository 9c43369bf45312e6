
import os

# Before the app's config is read: the cheapest Argon2 parameters, for the suite's thousands of sign-ins
# (backend/auth/passwords.py; tests/backend/auth/test_passwords.py checks the production default).
os.environ.setdefault("LINLI_PASSWORD_PROFILE", "cheapest")
