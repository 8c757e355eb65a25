"""Planning drafts (方案): change several zones apart from the published layout, compare, publish at once."""
