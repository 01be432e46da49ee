"""``python -m belay_gen.cli``: the same as the ``belay-gen`` command."""

from belay_gen.cli.main import main

main()
