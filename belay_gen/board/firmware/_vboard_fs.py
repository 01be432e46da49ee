# A filesystem jailed to one host directory, mounted at "/" of the virtual board.
# Paths are normalised here (relative to our own cwd, "." and ".." resolved); a path
# that would climb above "/" is refused, so board code never reaches host files.
# `readonly` models CircuitPython's CIRCUITPY drive: read-only to code until boot.py
# calls storage.remount("/", False).
import errno

import vfs


def _split(path):
    return [part for part in path.split("/") if part and part != "."]


class JailFs:
    def __init__(self, root, readonly=False):
        self.readonly = readonly
        self._root = root.rstrip("/")
        self._vfs = vfs.VfsPosix(root)
        # VfsPosix(root).rename builds both paths in one shared buffer, so the first is
        # clobbered; rename through a root-less VfsPosix with full host paths instead.
        self._host = vfs.VfsPosix()
        self._cwd = "/"

    def _writable(self, path):
        if self.readonly:
            raise OSError(30)  # EROFS: not in MicroPython's errno
        return self._path(path)

    def _path(self, path):
        if not path.startswith("/"):
            path = self._cwd + "/" + path
        parts = []
        for part in _split(path):
            if part == "..":
                if not parts:
                    raise OSError(errno.EACCES)
                parts.pop()
            else:
                parts.append(part)
        return "/" + "/".join(parts)

    def mount(self, readonly, mkfs):
        pass

    def umount(self):
        pass

    def chdir(self, path):
        path = self._path(path)
        if self._vfs.stat(path)[0] & 0x4000 == 0:
            raise OSError(errno.ENOTDIR)
        self._cwd = path

    def getcwd(self):
        return self._cwd

    def ilistdir(self, path):
        # Board filesystems (FAT, littlefs) report each file's size; VfsPosix does not.
        base = self._path(path)
        prefix = base if base.endswith("/") else base + "/"
        for entry in self._vfs.ilistdir(base):
            if len(entry) > 3:
                yield entry
            elif entry[1] == 0x4000:
                yield (entry[0], entry[1], entry[2], 0)
            else:
                yield (entry[0], entry[1], entry[2], self._vfs.stat(prefix + entry[0])[6])

    def stat(self, path):
        return self._vfs.stat(self._path(path))

    def statvfs(self, path):
        return self._vfs.statvfs(self._path(path))

    def open(self, path, mode):
        if "r" in mode and "+" not in mode:
            return self._vfs.open(self._path(path), mode)
        return self._vfs.open(self._writable(path), mode)

    def mkdir(self, path):
        return self._vfs.mkdir(self._writable(path))

    def rmdir(self, path):
        path = self._writable(path)
        if path == "/":
            raise OSError(errno.EACCES)
        return self._vfs.rmdir(path)

    def remove(self, path):
        return self._vfs.remove(self._writable(path))

    def rename(self, old, new):
        old, new = self._writable(old), self._writable(new)
        return self._host.rename(self._root + old, self._root + new)
