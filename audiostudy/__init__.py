"""audiostudy: turn a written Chinese speech or study document into chaptered study audio."""

__version__ = "0.1.0"
