"""Storage: the content-hashed asset cache (atomic writes, resumable steps) and the versioned draft store."""
