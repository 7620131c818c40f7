"""Content safety: the offline parts of moderation (text normalisation, lexicons, personal-data patterns and
policies). The moderation tool (tools/moderation.py) puts them together with the embedder."""
