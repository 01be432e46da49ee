"""Code that runs ON a board, and the virtual board that hosts it."""
