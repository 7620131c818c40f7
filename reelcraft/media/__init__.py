"""Media: ffmpeg/ffprobe and probing, caption fonts, loudness, video encoders and colour helpers."""
