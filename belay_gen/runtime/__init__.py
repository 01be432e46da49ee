"""Code that runs on the desktop and talks to a board."""
