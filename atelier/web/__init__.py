"""The small web app behind the links: COPIL decisions and invitation answers."""
