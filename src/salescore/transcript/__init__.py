"""Call transcripts (SPEC §12): a follow-up's call as text, scanned for signals, usable as post-mortem material."""
