"""The public layer: the only reads the visitor view, the public site and Open311 make, redaction and media."""
