"""Belay's class style: a Device subclass whose marked methods run on the board."""

import belay_gen


class Robot(belay_gen.Device):
    """A two-wheeled robot."""

    @belay_gen.Device.setup(autoinit=True)
    def init_motors():
        left = PWM(Pin(1))
        right = PWM(Pin(2))

    @belay_gen.Device.setup
    def configure(speed: int = 100):
        limit = speed * 2

    @belay_gen.Device.task
    def drive(left_speed: int, right_speed: int) -> None:
        left.duty_u16(left_speed)
        right.duty_u16(right_speed)

    @staticmethod
    @belay_gen.Device.task
    def speed_limit() -> int:
        return limit

    @belay_gen.Device.teardown
    def stop():
        left.deinit()
        right.deinit()

    def host_only(self) -> str:
        return "not on the board"


class ArmRobot(Robot):
    @belay_gen.Device.task
    def grip(force: int) -> bool:
        return force > 0
