"""Rendering a `Timeline`: one ffmpeg graph (video pieces, captions, audio mix), the naive moviepy baseline
it is measured against, and storyboards."""
