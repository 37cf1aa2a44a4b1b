#!/usr/bin/python3
"""faultfs: a FUSE passthrough file system for storage-fault tests.

It mirrors a backing directory at a mount point, and can be told at run time to cut the power,
fail fsyncs, run out of space or make fsyncs slow. It needs root (or FUSE access), /dev/fuse,
libfuse2 and Debian's python3-fusepy (imported as `fusepy`; run it with /usr/bin/python3).

Run (stays in the foreground until unmounted, `umount MOUNT` or `fusermount -u MOUNT`):

    /usr/bin/python3 faultfs.py BACKING MOUNT --control SOCKET

The mount is ready once SOCKET answers (it is opened from FUSE's init, after the mount).
SOCKET is a Unix stream socket; each command is one line, and each answer one line that starts
with "ok" or "error". From a shell:

    /usr/bin/python3 faultfs.py ctl SOCKET COMMAND [ARGS...]     (exit 1 on "error")

Commands (PREFIX is a path inside the mount, "/" when omitted: "/log" matches /log and below):

    status                 faults in force, files with unsynced data, errors injected so far
    fsync-fail [PREFIX]    fsync, fdatasync and directory fsync of files under PREFIX fail with EIO
    disk-full [PREFIX]     writes and size extensions under PREFIX fail with ENOSPC (statfs shows
                           no free space); creating, renaming and removing files still works
    slow-fsync MS [PREFIX] fsyncs under PREFIX take MS milliseconds more (each, in its own thread)
    heal                   clears every fault above
    power-off              the instant the power goes: from now on no fsync completes (each one
                           under way or new fails with EIO and makes nothing durable); writes still
                           land, unsynced. For a cut at one instant under running processes: power
                           off, then stop (SIGSTOP) and kill them, then power-cut
    power-cut SEED         the machine loses power (at once, if "power-off" did not come first),
                           and comes back: see below. Run it with no process using the
                           mount (it waits up to 5 s for open files to be closed and fsyncs under
                           way to end, then cuts anyway and says how many were left)

Power cut. faultfs tracks, per file, what was written since its last fsync (or fdatasync; both
make the data and the size durable), keeping the last-fsynced content of each 4 KiB page the
first time the page is written after an fsync, and per directory its entries at its last
directory fsync (what the mount showed when it started counts as durable). On "power-cut SEED",
with a random generator seeded by SEED, every file is rolled back to its last fsync:
  - each unsynced 4 KiB page independently keeps its new content or gets its last-fsynced
    content back (a page past the durable end gets zeros: a size extension with no data);
  - a size that changed since the last fsync becomes either the durable size, the new size, or
    (for an extension) a random page boundary between them;
  - each directory whose entries changed since its last directory fsync either keeps them all or
    goes back to its durable entries: names created or renamed in since then are removed (a file
    created and never made durable by a directory fsync vanishes, whatever its own fsyncs),
    names removed or renamed away are restored with the rolled-back content of the file they
    named (files unlinked since are kept aside for that until their directory is fsynced).
Afterwards everything on the mount counts as durable again. Directory renames and the contents
of removed directories are not modelled (a removed directory comes back empty). The answer
counts what happened: "ok power-cut seed S: files F, pages torn T of D unsynced, sizes cut C,
directories reverted R (removed X, restored Y)".

Faults apply to operations from the time the command is answered. An EIO from fsync leaves the
data unsynced (a later power cut may still tear it), as on Linux.
"""

import errno
import os
import random
import shutil
import socket
import stat
import sys
import threading
import time

PAGE = 4096


def log(message):
    sys.stderr.write("faultfs: %s\n" % message)
    sys.stderr.flush()


def ctl(sock_path, words):
    """Sends one command to a running faultfs and prints its answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    s.sendall((" ".join(words) + "\n").encode())
    answer = b""
    while not answer.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        answer += chunk
    s.close()
    text = answer.decode().strip()
    print(text)
    return 0 if text.startswith("ok") else 1


class FileState:
    """What one file (by backing inode) had at its last fsync: its size, and the pages written since."""

    def __init__(self, durable_size):
        self.durable_size = durable_size
        self.old_pages = {}  # page number -> its content at the last fsync (PAGE bytes)


def _under(path, prefix):
    if prefix == "/":
        return True
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def _make_ops(fusepy):
    FuseOSError = fusepy.FuseOSError

    class FaultFs(fusepy.Operations):
        use_ns = True

        def __init__(self, backing, control):
            self.root = os.path.realpath(backing)
            self.trash = self.root + ".faultfs-trash"
            self.control = control
            self.mutex = threading.RLock()
            self.files = {}  # inode -> FileState, for files written or truncated since their last fsync
            self.dirs = {}  # mount path of a directory -> {name: inode} at its last directory fsync
            self.open_files = {}  # fh -> mount path
            self.trashed = {}  # inode -> path in the trash
            self.powered = True  # false from "power-off" to "power-cut": no fsync completes
            self.inflight = 0  # fsyncs under way (a slow one may outlive the process that asked)
            self.fsync_fail = None
            self.disk_full = None
            self.slow = None  # (ms, prefix)
            self.injected = {"EIO": 0, "ENOSPC": 0, "slow": 0}
            os.makedirs(self.trash, exist_ok=True)
            for name in os.listdir(self.trash):
                self._remove(os.path.join(self.trash, name))

        # ---- paths and bookkeeping -------------------------------------------------------------

        def _full(self, path):
            return self.root + path

        @staticmethod
        def _parent(path):
            parent = os.path.dirname(path)
            return parent if parent else "/"

        def _entries(self, path):
            full = self._full(path)
            result = {}
            for name in os.listdir(full):
                try:
                    result[name] = os.lstat(os.path.join(full, name)).st_ino
                except FileNotFoundError:
                    pass
            return result

        def _dir_touched(self, path):
            """Before a change of the entries of directory `path`: remember them if they are durable now."""
            if path not in self.dirs:
                self.dirs[path] = self._entries(path)

        def _file_state(self, ino, current_size):
            st = self.files.get(ino)
            if st is None:
                st = FileState(current_size)
                self.files[ino] = st
            return st

        def _save_pages(self, fd, st, first, last):
            """Keeps the last-fsynced content of pages first..last (inclusive) the first time they change."""
            for page in range(first, last + 1):
                if page not in st.old_pages:
                    data = os.pread(fd, PAGE, page * PAGE) if page * PAGE < st.durable_size else b""
                    keep = max(0, min(PAGE, st.durable_size - page * PAGE))
                    data = data[:keep]
                    st.old_pages[page] = data + b"\0" * (PAGE - len(data))

        def _size_change(self, fd, new_size):
            """Before a file's size changes: keep the pages that a shrink drops."""
            info = os.fstat(fd)
            st = self._file_state(info.st_ino, info.st_size)
            if new_size < info.st_size:
                self._save_pages(fd, st, new_size // PAGE, (info.st_size - 1) // PAGE)
            return st

        def _to_trash(self, full):
            """Unlinks `full` by moving it aside, so that a power cut can bring it back."""
            info = os.lstat(full)
            if stat.S_ISDIR(info.st_mode):
                return False
            target = os.path.join(self.trash, str(info.st_ino))
            if os.path.exists(target):
                os.unlink(full)
            else:
                os.rename(full, target)
                self.trashed[info.st_ino] = target
            return True

        def _collect_trash(self):
            referenced = set()
            for entries in self.dirs.values():
                referenced.update(entries.values())
            for ino, path in list(self.trashed.items()):
                if ino not in referenced:
                    self._remove(path)
                    del self.trashed[ino]
                    self.files.pop(ino, None)

        @staticmethod
        def _remove(full):
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full, ignore_errors=True)
            else:
                try:
                    os.unlink(full)
                except FileNotFoundError:
                    pass

        def _fsync_faults(self, path):
            with self.mutex:
                fail = self.fsync_fail is not None and _under(path, self.fsync_fail)
                slow = self.slow if self.slow is not None and _under(path, self.slow[1]) else None
                if fail:
                    self.injected["EIO"] += 1
                if slow:
                    self.injected["slow"] += 1
            if slow:
                time.sleep(slow[0] / 1000.0)
            if fail:
                raise FuseOSError(errno.EIO)

        def _check_power(self):
            if not self.powered:
                self.injected["EIO"] += 1
                raise FuseOSError(errno.EIO)

        def _check_space(self, path):
            if self.disk_full is not None and _under(path, self.disk_full):
                self.injected["ENOSPC"] += 1
                raise FuseOSError(errno.ENOSPC)

        # ---- file system operations ------------------------------------------------------------

        def init(self, path):
            threading.Thread(target=self._serve, name="faultfs-control", daemon=True).start()

        def access(self, path, mode):
            if not os.access(self._full(path), mode):
                raise FuseOSError(errno.EACCES)

        def chmod(self, path, mode):
            os.chmod(self._full(path), mode)

        def chown(self, path, uid, gid):
            os.chown(self._full(path), uid, gid)

        def getattr(self, path, fh=None):
            info = os.fstat(fh) if fh is not None else os.lstat(self._full(path))
            keys = ("st_atime_ns", "st_ctime_ns", "st_gid", "st_mode", "st_mtime_ns", "st_nlink", "st_size", "st_uid", "st_ino")
            attrs = {k.replace("_ns", ""): getattr(info, k) for k in keys}
            attrs["st_blocks"] = info.st_blocks
            return attrs

        def readdir(self, path, fh):
            return [".", ".."] + os.listdir(self._full(path))

        def readlink(self, path):
            return os.readlink(self._full(path))

        def mknod(self, path, mode, dev):
            with self.mutex:
                self._dir_touched(self._parent(path))
                os.mknod(self._full(path), mode, dev)

        def mkdir(self, path, mode):
            with self.mutex:
                self._dir_touched(self._parent(path))
                os.mkdir(self._full(path), mode)
                self.dirs[path] = {}

        def rmdir(self, path):
            with self.mutex:
                self._dir_touched(self._parent(path))
                os.rmdir(self._full(path))
                self.dirs.pop(path, None)

        def unlink(self, path):
            with self.mutex:
                self._dir_touched(self._parent(path))
                self._to_trash(self._full(path))

        def symlink(self, target, source):
            with self.mutex:
                self._dir_touched(self._parent(target))
                os.symlink(source, self._full(target))

        def link(self, target, source):
            with self.mutex:
                self._dir_touched(self._parent(target))
                os.link(self._full(source), self._full(target))

        def rename(self, old, new):
            with self.mutex:
                self._dir_touched(self._parent(old))
                self._dir_touched(self._parent(new))
                full_new = self._full(new)
                if os.path.lexists(full_new) and not os.path.isdir(full_new):
                    self._to_trash(full_new)
                os.rename(self._full(old), full_new)

        def utimens(self, path, times=None):
            os.utime(self._full(path), ns=times)

        def statfs(self, path):
            v = os.statvfs(self._full(path))
            attrs = {k: getattr(v, k) for k in ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree",
                                                "f_files", "f_flag", "f_frsize", "f_namemax")}
            if self.disk_full is not None:
                attrs["f_bavail"] = attrs["f_bfree"] = 0
            return attrs

        def open(self, path, flags):
            flags &= ~os.O_APPEND  # the kernel passes the offset to write at
            if flags & os.O_ACCMODE == os.O_WRONLY:  # a write must read the page it changes first
                flags = (flags & ~os.O_ACCMODE) | os.O_RDWR
            with self.mutex:
                if flags & os.O_TRUNC:
                    fd = os.open(self._full(path), flags & ~os.O_TRUNC)
                    self._size_change(fd, 0)
                    os.ftruncate(fd, 0)
                else:
                    fd = os.open(self._full(path), flags)
                self.open_files[fd] = path
                return fd

        def create(self, path, mode, fi=None):
            with self.mutex:
                self._dir_touched(self._parent(path))
                fd = os.open(self._full(path), os.O_RDWR | os.O_CREAT, mode)
                self._file_state(os.fstat(fd).st_ino, 0)
                self.open_files[fd] = path
                return fd

        def read(self, path, size, offset, fh):
            return os.pread(fh, size, offset)

        def write(self, path, data, offset, fh):
            if not data:
                return 0
            with self.mutex:
                self._check_space(self.open_files.get(fh, path or "/"))
                info = os.fstat(fh)
                st = self._file_state(info.st_ino, info.st_size)
                self._save_pages(fh, st, offset // PAGE, (offset + len(data) - 1) // PAGE)
                return os.pwrite(fh, data, offset)

        def truncate(self, path, length, fh=None):
            with self.mutex:
                fd = fh if fh is not None else os.open(self._full(path), os.O_RDWR)
                try:
                    if length > os.fstat(fd).st_size:
                        self._check_space(path if path else self.open_files.get(fh, "/"))
                    self._size_change(fd, length)
                    os.ftruncate(fd, length)
                finally:
                    if fh is None:
                        os.close(fd)

        def flush(self, path, fh):
            return 0

        def release(self, path, fh):
            with self.mutex:
                self.open_files.pop(fh, None)
                os.close(fh)

        def fsync(self, path, datasync, fh):
            with self.mutex:
                self.inflight += 1
            try:
                self._fsync_faults(path if path else self.open_files.get(fh, "/"))
                with self.mutex:
                    self._check_power()
                    info = os.fstat(fh)
                    st = self.files.get(info.st_ino)
                    if st is not None:
                        st.durable_size = info.st_size
                        st.old_pages.clear()
            finally:
                with self.mutex:
                    self.inflight -= 1

        def opendir(self, path):
            return 0

        def releasedir(self, path, fh):
            return 0

        def fsyncdir(self, path, datasync, fh):
            with self.mutex:
                self.inflight += 1
            try:
                self._fsync_faults(path)
                with self.mutex:
                    self._check_power()
                    self.dirs[path] = self._entries(path)
                    self._collect_trash()
            finally:
                with self.mutex:
                    self.inflight -= 1

        # ---- control ---------------------------------------------------------------------------

        def _serve(self):
            if os.path.exists(self.control):
                os.unlink(self.control)
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(self.control)
            server.listen(8)
            log("mounted %s, control socket %s" % (self.root, self.control))
            while True:
                conn, _ = server.accept()
                threading.Thread(target=self._session, args=(conn,), daemon=True).start()

        def _session(self, conn):
            with conn:
                buffered = b""
                while True:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    buffered += chunk
                    while b"\n" in buffered:
                        line, buffered = buffered.split(b"\n", 1)
                        words = line.decode().split()
                        if not words:
                            continue
                        try:
                            answer = "ok " + self._command(words)
                        except Exception as e:  # noqa: BLE001 - the answer carries it
                            answer = "error %s: %s" % (" ".join(words), e)
                        log(answer)
                        conn.sendall((answer + "\n").encode())

        def _command(self, words):
            name, args = words[0], words[1:]
            prefix = lambda i: args[i] if len(args) > i else "/"  # noqa: E731
            if name == "status":
                with self.mutex:
                    unsynced = sum(1 for f in self.files.values() if f.old_pages)
                    return "status: fsync-fail %s, disk-full %s, slow-fsync %s, files with unsynced pages %d, open files %d, injected %s" % (
                        self.fsync_fail, self.disk_full, self.slow, unsynced, len(self.open_files), self.injected)
            if name == "fsync-fail":
                self.fsync_fail = prefix(0)
                return "fsync-fail under %s" % self.fsync_fail
            if name == "disk-full":
                self.disk_full = prefix(0)
                return "disk-full under %s" % self.disk_full
            if name == "slow-fsync":
                self.slow = (int(args[0]), prefix(1))
                return "slow-fsync %d ms under %s" % self.slow
            if name == "heal":
                self.fsync_fail = self.disk_full = self.slow = None
                return "healed"
            if name == "power-off":
                with self.mutex:
                    self.powered = False
                return "power-off: no fsync completes from now on"
            if name == "power-cut":
                return self._power_cut(int(args[0]))
            raise ValueError("unknown command (status, fsync-fail, disk-full, slow-fsync, heal, power-off, power-cut)")

        def _power_cut(self, seed):
            deadline = time.monotonic() + 5
            while (self.open_files or self.inflight) and time.monotonic() < deadline:
                time.sleep(0.05)
            rng = random.Random(seed)
            with self.mutex:
                self.powered = False
                still_open = len(self.open_files) + self.inflight
                files = torn = unsynced = cut = 0
                where = {}
                for base in (self.root, self.trash):
                    for dirpath, dirnames, filenames in os.walk(base):
                        dirnames.sort()
                        for name in sorted(filenames):
                            full = os.path.join(dirpath, name)
                            where.setdefault(os.lstat(full).st_ino, full)
                for ino in sorted(self.files):
                    st = self.files[ino]
                    full = where.get(ino)
                    if full is None or os.path.islink(full):
                        continue
                    size = os.lstat(full).st_size
                    if size == st.durable_size and not st.old_pages:
                        continue
                    files += 1
                    target = size
                    if size != st.durable_size:
                        choices = [st.durable_size, size]
                        low, high = sorted(choices)
                        boundaries = range((low + PAGE - 1) // PAGE * PAGE, high, PAGE)
                        if size > st.durable_size and len(boundaries) > 0:
                            choices.append(rng.choice(boundaries))
                        target = rng.choice(choices)
                        if target != size:
                            cut += 1
                    fd = os.open(full, os.O_RDWR)
                    try:
                        for page in sorted(st.old_pages):
                            if page * PAGE >= target:
                                continue
                            unsynced += 1
                            if rng.random() < 0.5:
                                torn += 1
                                os.pwrite(fd, st.old_pages[page], page * PAGE)
                            elif page * PAGE >= size:
                                os.pwrite(fd, b"\0" * PAGE, page * PAGE)  # new content past the new end: none
                            elif page * PAGE + PAGE > size:
                                os.pwrite(fd, b"\0" * (page * PAGE + PAGE - size), size)
                        os.ftruncate(fd, target)
                    finally:
                        os.close(fd)
                reverted = removed = restored = 0
                for path in sorted(self.dirs, key=lambda p: (p.count("/"), p)):
                    durable = self.dirs[path]
                    full = self._full(path)
                    if not os.path.isdir(full):
                        continue
                    current = self._entries(path)
                    if current == durable or rng.random() < 0.5:
                        continue
                    reverted += 1
                    for name in sorted(durable):
                        ino = durable[name]
                        if current.get(name) == ino:
                            continue
                        source = where.get(ino)
                        target = os.path.join(full, name)
                        if source is not None:
                            tmp = target + ".faultfs-restore"
                            shutil.copyfile(source, tmp)
                            if os.path.lexists(target):
                                self._remove(target)
                            os.rename(tmp, target)
                        elif not os.path.lexists(target):
                            os.mkdir(target)
                        restored += 1
                    for name in sorted(current):
                        if name not in durable:
                            self._remove(os.path.join(full, name))
                            removed += 1
                for path in list(self.trashed.values()):
                    self._remove(path)
                self.trashed.clear()
                self.files.clear()
                self.dirs.clear()
                self.powered = True
                note = ", %d files were still open or syncing" % still_open if still_open else ""
                return ("power-cut seed %d: files %d, pages torn %d of %d unsynced, sizes cut %d, directories reverted %d"
                        " (removed %d, restored %d)%s") % (seed, files, torn, unsynced, cut, reverted, removed, restored, note)

    return FaultFs


def main(argv):
    if len(argv) >= 3 and argv[0] == "ctl":
        return ctl(argv[1], argv[2:])
    if len(argv) != 4 or argv[2] != "--control":
        sys.stderr.write(__doc__)
        return 64
    import fusepy  # Debian's python3-fusepy; loads libfuse2
    backing, mount, control = argv[0], argv[1], argv[3]
    ops = _make_ops(fusepy)(backing, os.path.abspath(control))
    # No attribute or name caching, so a power cut shows at once; the page cache is dropped on open.
    fusepy.FUSE(ops, mount, foreground=True, nothreads=False, big_writes=True, fsname="faultfs",
                attr_timeout=0, entry_timeout=0, negative_timeout=0)
    log("unmounted %s" % mount)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
