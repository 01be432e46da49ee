"""Every kind of board function and every kind of parameter."""

from collections.abc import Iterator

from belay_gen import Device

device = Device("virtual:")


@device.task
def scale(a: int, b: int = 2, /, *rest: int, factor: float = 1.5, **named: int) -> float:
    """Multiply the sum of everything by ``factor``."""
    return (a + b + sum(rest) + sum(named.values())) * factor


@device.task
def readings(count: int, *, every_ms: int = 10) -> Iterator[float]:
    """Yield ``count`` readings."""
    for i in range(count):
        yield i / 2
        time.sleep_ms(every_ms)


@device.task
def untyped(x, y=None):
    return [x, y]


@device.task
def reset_counter() -> None:
    global counter
    counter = 0


@device.task
def no_return(flag):
    if flag:
        return
    print("nothing")


@device.thread
def blink(period: float = 0.5, pattern: tuple[int, ...] = (1, 0)) -> None:
    """Blink forever in a board thread."""
    led = Pin("LED", Pin.OUT)
    while True:
        for level in pattern:
            led.value(level)
            sleep(period)


@device.task
def defaults(
    text: str = 'say "hi"',
    raw: bytes = b"\x00\xff",
    table: dict[str, int] = {"a": 1},
    items: list[int] = [1, 2, 3],
    nothing: None = None,
    negative: int = -1,
) -> int:
    return len(text) + len(raw) + len(table) + len(items) + negative
