# ruff: noqa: SIM105, SIM115, UP031  (MicroPython has no contextlib; % formatting is lean)
# Runs on the board: receive file operations from the host as binary batches on stdin.
#
#   batch = 0xB5, u16 length L (little-endian), L bytes of frames, 0x5B
#   frame = op byte, u16 payload length, payload
#   ops   = "d" mkdir PATH | "o" open PATH (writes PATH.belay-tmp) | "w" write DATA
#           | "c" close, rename the temp file to PATH | "x" remove file PATH
#           | "r" remove folder PATH | "z" end
#           | "f" a whole file (o, w, c): u8 K, u8 N, N bytes, DATA; its PATH is the first K
#             characters of the last PATH followed by the N bytes (UTF-8)
#
# The board first writes "R<size>\n": the largest batch it takes (at most `size`, at most a
# quarter of its free RAM). Then one answer per batch: "A" when the batch is done and the next
# may come, or "E(errno, path, repr(error))\n" when it stopped. Every batch is read whole
# before anything is written to flash, so a board's small receive buffer never overflows.
# Ctrl-C is data while this runs; the finally restores it, and an unfinished temp file is
# removed, so an interrupted transfer never leaves a half-written file.
def __belay_sync_recv(size):
    import gc
    import os
    import sys

    import micropython

    gc.collect()
    try:
        size = min(size, max(512, gc.mem_free() // 4))
    except AttributeError:
        pass
    try:
        buf = bytearray(size + 1)
    except MemoryError:
        size = 512
        buf = bytearray(size + 1)
    mv = memoryview(buf)
    read = sys.stdin.buffer.readinto
    out = sys.stdout.write
    f = None
    path = ""
    micropython.kbd_intr(-1)
    try:
        out("R%d\n" % size)
        while True:
            read(mv[:3])
            n = buf[1] | buf[2] << 8
            if buf[0] != 0xB5 or n > size:
                raise ValueError("bad batch")
            read(mv[: n + 1])
            if buf[n] != 0x5B:
                raise ValueError("bad batch")
            i = 0
            while i < n:
                op = buf[i]
                j = i + 3 + (buf[i + 1] | buf[i + 2] << 8)
                data = mv[i + 3 : j]
                i = j
                if op == 0x77:  # w
                    f.write(data)
                    continue
                if op == 0x66:  # f
                    j = data[1] + 2
                    path = path[: data[0]] + str(bytes(data[2:j]), "utf-8")
                    f = open(path + ".belay-tmp", "wb")
                    f.write(data[j:])
                    op = 0x63
                if op == 0x63:  # c
                    f.close()
                    f = None
                    try:
                        os.rename(path + ".belay-tmp", path)
                    except OSError as e:
                        if e.errno != 17:  # EEXIST: FAT does not rename over a file
                            raise
                        os.remove(path)
                        os.rename(path + ".belay-tmp", path)
                    continue
                if op == 0x7A:  # z
                    out("A")
                    return
                path = str(bytes(data), "utf-8")
                if op == 0x6F:  # o
                    f = open(path + ".belay-tmp", "wb")
                elif op == 0x64:  # d
                    try:
                        os.mkdir(path)
                    except OSError as e:
                        if e.errno != 17:
                            raise
                elif op == 0x78:  # x
                    try:
                        os.remove(path)
                    except OSError as e:
                        if e.errno != 2:  # ENOENT
                            raise
                elif op == 0x72:  # r
                    try:
                        os.rmdir(path)
                    except OSError:
                        pass
                else:
                    raise ValueError("bad batch")
            out("A")
    except Exception as e:
        out("E%r\n" % ((e.errno if isinstance(e, OSError) else 0, path, repr(e)),))
    finally:
        if f:
            f.close()
            try:
                os.remove(path + ".belay-tmp")
            except OSError:
                pass
        micropython.kbd_intr(3)
