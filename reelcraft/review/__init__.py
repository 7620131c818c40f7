"""Team review of drafts: projects, roles, immutable versions, comments, approvals, exports (docs/review.md)."""
