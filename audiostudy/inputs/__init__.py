"""Input formats beyond plain text: each module turns one kind of file into a Loaded."""
