"""Access control: accounts and roles, sign-in hardening and per-client rate limits."""
