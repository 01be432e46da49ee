"""Output is cooked as a real board cooks it; binary writes stay binary."""

from __future__ import annotations

from belay_gen.emulator.cooking import Cooker
from tests.emulator.test_protocol import Console

NONCE = "00ff"
HEAD = b"\x1b[bin:00ff:"


def test_text_is_cooked_once_even_across_chunks() -> None:
    cooker = Cooker(NONCE)
    assert cooker.feed(b"a\nb\r\n") == b"a\r\nb\r\n"
    assert cooker.feed(b"c\r") + cooker.feed(b"\nd\n") == b"c\r\nd\r\n"


def test_binary_frames_pass_through_unchanged() -> None:
    cooker = Cooker(NONCE)
    payload = b"\n\x00" + HEAD + b"5]\n"  # a forged header inside the payload is just data
    out = cooker.feed(b"x\n" + HEAD + b"%d]" % len(payload) + payload + b"y\n")
    assert out == b"x\r\n" + payload + b"y\r\n"


def test_a_frame_split_anywhere_is_still_a_frame() -> None:
    stream = b"t\n" + HEAD + b"3]\n\n\n" + b"u\n"
    for cut in range(1, len(stream)):
        cooker = Cooker(NONCE)
        assert cooker.feed(stream[:cut]) + cooker.feed(stream[cut:]) == b"t\r\n\n\n\nu\r\n"


def test_a_lookalike_header_is_text_once_the_output_goes_quiet() -> None:
    cooker = Cooker(NONCE)
    assert cooker.feed(b"ok\n\x1b[bi") == b"ok\r\n"
    assert cooker.holding
    assert cooker.flush() == b"\x1b[bi"
    wrong_nonce = b"\x1b[bin:1234:3]\n"
    assert cooker.feed(wrong_nonce) == wrong_nonce.replace(b"\n", b"\r\n")


def test_print_is_cooked_in_the_raw_repl_and_the_buffer_is_not(console: Console) -> None:
    console.raw()
    out, err = console.exec_raw(
        b"import sys\nprint('a')\nsys.stdout.write('b\\n')\n"
        b"sys.stdout.buffer.write(b'c\\n\\x00\\x1b[bin:1:1]\\n')\n"
        b"sys.stdout.buffer.write(bytearray(b'de\\nf'), 2)\n"
        b"print('g', file=sys.stdout)"
    )
    assert err == b""
    assert out == b"a\r\nb\r\nc\n\x00\x1b[bin:1:1]\ndeg\r\n"


def test_tracebacks_are_cooked(console: Console) -> None:
    console.raw()
    _, err = console.exec_raw(b"1/0")
    assert err.endswith(b"ZeroDivisionError: divide by zero\r\n")
    assert b"\r\n" in err and b"\n" not in err.replace(b"\r\n", b"")
