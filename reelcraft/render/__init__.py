"""Rendering a `Timeline`: one ffmpeg graph for the picture (graph, compose), the audio mix beside it
(audio), the naive moviepy baseline it is measured against, and storyboards."""
