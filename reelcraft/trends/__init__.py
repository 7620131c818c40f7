"""Trends: ingest of trending-item exports, the SQL + chromadb store, and momentum from snapshots."""
