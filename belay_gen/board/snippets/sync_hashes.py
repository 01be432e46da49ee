# Runs on the board: list every folder and file under a root, with a hash of each file, in
# one exec. Output, one line each:
#   <algorithm>                  first line: sha256 | crc32 | fnv1a32; or, and nothing
#                                follows, "file" (the root is a file) or "missing <repr>"
#                                (the root does not exist; its deepest existing ancestor)
#   d 0 <repr(path)>             a folder (path relative to the root)
#   <hex> <size> <repr(path)>    a file; <hex> is the first `hexlen` hex digits of its sha256
# sha256 where hashlib has it, else binascii.crc32, else FNV-1a written in Python (slow).
# While a large file is hashed, an empty line goes out every second or so: the host takes a
# listing that completes no line for a few seconds for a board that stopped answering.
def __belay_sync_hashes(root, hexlen):
    import os

    new = crc32 = None
    try:
        from hashlib import sha256 as new

        algo = "sha256"
    except ImportError:
        try:
            from binascii import crc32

            algo = "crc32"
        except ImportError:
            algo = "fnv1a32"
    from binascii import hexlify
    from time import time

    buf = bytearray(2048)
    k = [time()]
    mv = memoryview(buf)

    def digest(path):
        h = new() if new else 0 if crc32 else 0x811C9DC5
        with open(path, "rb") as f:
            while True:
                n = f.readinto(buf)
                if not n:
                    break
                if time() - k[0] >= 1:
                    print()
                    k[0] = time()
                if new:
                    h.update(mv[:n])
                elif crc32:
                    h = crc32(mv[:n], h)
                else:
                    for b in mv[:n]:
                        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
        if new:
            return hexlify(h.digest())[:hexlen].decode()
        return "%08x" % (h & 0xFFFFFFFF)

    def walk(path, rel):
        for name in sorted(os.listdir(path)):
            full = path + "/" + name if path != "/" else "/" + name
            sub = rel + "/" + name if rel else name
            st = os.stat(full)
            if st[0] & 0x4000:
                print("d 0", repr(sub))
                walk(full, sub)
            else:
                print(digest(full), st[6], repr(sub))

    try:
        st = os.stat(root)
    except OSError:
        up = root
        while up != "/":
            up = up[: up.rfind("/")] or "/"
            try:
                os.stat(up)
                break
            except OSError:
                pass
        print("missing", repr(up))
        return
    if not st[0] & 0x4000:
        print("file")
        return
    print(algo)
    walk(root, "")
