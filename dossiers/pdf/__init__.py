"""PDF work: digitization checks, printed forms, labels, signing and validation."""
