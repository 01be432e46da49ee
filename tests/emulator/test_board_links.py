"""A board folder with a symlink that leads out of it is refused before the VM starts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from belay_gen.emulator.vm import refuse_links_out
from belay_gen.errors import EmulatorUnavailable


def test_a_link_out_of_the_folder_is_refused_naming_it(tmp_path: Path) -> None:
    board = tmp_path / "fs"
    (board / "lib").mkdir(parents=True)
    os.symlink("/etc", board / "lib" / "out")
    with pytest.raises(EmulatorUnavailable, match=r"lib/out -> /etc.*Remove the link"):
        refuse_links_out(board)


def test_links_that_stay_inside_are_allowed(tmp_path: Path) -> None:
    board = tmp_path / "fs"
    (board / "lib").mkdir(parents=True)
    (board / "main.py").write_text("print(1)\n")
    os.symlink("../main.py", board / "lib" / "main.py")
    os.symlink("lib", board / "also-lib")
    refuse_links_out(board)


def test_a_symlinked_root_is_checked_where_it_leads(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(tmp_path / "outside.txt", real / "escape")
    (tmp_path / "outside.txt").write_text("host file\n")
    os.symlink(real, tmp_path / "fs")
    with pytest.raises(EmulatorUnavailable, match="escape"):
        refuse_links_out(tmp_path / "fs")
