#!/usr/bin/python3
"""Checks faultfs.py on its own: mounts it in a temporary directory and drives every fault.

    /usr/bin/python3 scripts/faultfs_test.py [seeds]     (default 20 seeds; needs root and FUSE)

Prints one line per check and "N passed, 0 failed" at the end; exits 1 on the first failure.
"""

import errno
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = 4096
passed = 0


def check(condition, what):
    global passed
    if not condition:
        print("FAILED: " + what)
        print("%d passed, 1 failed" % passed)
        sys.exit(1)
    passed += 1


class Mount:
    def __init__(self, work):
        self.backing = os.path.join(work, "backing")
        self.mnt = os.path.join(work, "mnt")
        self.sock = os.path.join(work, "control.sock")
        os.makedirs(self.backing)
        os.makedirs(self.mnt)
        self.log = open(os.path.join(work, "faultfs.log"), "w")
        self.process = subprocess.Popen([sys.executable, os.path.join(HERE, "faultfs.py"), self.backing, self.mnt,
                                         "--control", self.sock], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.command("status")
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("faultfs did not start; see " + self.log.name)
                time.sleep(0.05)

    def command(self, line):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.sock)
        s.sendall((line + "\n").encode())
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        s.close()
        text = answer.decode().strip()
        if not text.startswith("ok"):
            raise RuntimeError(text)
        return text

    def path(self, name):
        return os.path.join(self.mnt, name)

    def close(self):
        subprocess.run(["umount", self.mnt], check=False)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            subprocess.run(["umount", "-l", self.mnt], check=False)
            self.process.kill()
            self.process.wait()
        self.log.close()


def write(path, offset, data, sync=False, flags=os.O_RDWR | os.O_CREAT):
    fd = os.open(path, flags, 0o644)
    try:
        os.pwrite(fd, data, offset)
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def pages_are(data, first, count, *allowed):
    for p in range(first, first + count):
        page = data[p * PAGE:(p + 1) * PAGE]
        if len(page) == 0:
            break
        if not any(page == a[:len(page)] for a in allowed):
            return False
    return True


def power_cut_rolls_back(m, seeds):
    outcomes = {"torn": 0, "new": 0, "old": 0, "vanished": 0, "kept": 0, "meta old": 0, "meta new": 0, "size": set()}
    for seed in range(seeds):
        log, new, meta = m.path("seg.log"), m.path("new.log"), m.path("meta.json")
        # Durable: 4 pages of A and a meta.json, their directory entries too.
        write(log, 0, b"A" * 4 * PAGE, sync=True)
        write(meta, 0, b'{"term":1}', sync=True)
        fsync_dir(m.mnt)
        # Not durable: pages 1..3 overwritten with B, 4 pages of C appended, a new file, meta.json replaced.
        write(log, PAGE, b"B" * 3 * PAGE)
        write(log, 4 * PAGE, b"C" * 4 * PAGE)
        write(new, 0, b"N" * PAGE, sync=True)  # fsynced, but its directory is not
        write(meta + ".tmp", 0, b'{"term":2}', sync=True)
        os.rename(meta + ".tmp", meta)
        answer = m.command("power-cut %d" % seed)
        data = read(log)
        check(data[:PAGE] == b"A" * PAGE, "seed %d: the fsynced page survives whole (%s)" % (seed, answer))
        check(len(data) in range(4 * PAGE, 8 * PAGE + 1, PAGE), "seed %d: size %d is the durable one, the new one, or a page between" % (seed, len(data)))
        outcomes["size"].add(len(data))
        check(pages_are(data, 1, 3, b"A" * PAGE, b"B" * PAGE), "seed %d: each overwritten page is old or new, whole" % seed)
        check(pages_are(data, 4, 4, b"C" * PAGE, b"\0" * PAGE), "seed %d: each appended page is new or zeros" % seed)
        olds = sum(1 for p in range(1, 4) if data[p * PAGE:(p + 1) * PAGE] == b"A" * PAGE)
        outcomes["torn" if 0 < olds < 3 else "old" if olds == 3 else "new"] += 1
        if os.path.exists(new):
            outcomes["kept"] += 1
            check(read(new) == b"N" * PAGE, "seed %d: a kept new file has its fsynced content" % seed)
        else:
            outcomes["vanished"] += 1
        content = read(meta)
        check(content in (b'{"term":1}', b'{"term":2}'), "seed %d: meta.json is the old one or the new one: %r" % (seed, content))
        outcomes["meta old" if content == b'{"term":1}' else "meta new"] += 1
        check(not os.path.exists(meta + ".tmp") or read(meta + ".tmp") == b'{"term":2}', "seed %d: no torn temporary file" % seed)
        for name in os.listdir(m.mnt):
            os.unlink(m.path(name))
        fsync_dir(m.mnt)
    print("power cut over %d seeds: %s" % (seeds, outcomes))
    if seeds >= 10:
        check(outcomes["torn"] > 0 and outcomes["old"] + outcomes["torn"] > 0 and outcomes["new"] + outcomes["torn"] > 0,
              "unsynced pages were torn both ways over the seeds")
        check(outcomes["vanished"] > 0 and outcomes["kept"] > 0, "a file whose directory was not fsynced vanished for some seeds only")
        check(outcomes["meta old"] > 0 and outcomes["meta new"] > 0, "an unsynced rename was undone for some seeds only")
        check(len(outcomes["size"]) > 1, "an unsynced extension survived for some seeds only")


def synced_data_survives_every_cut(m):
    path = m.path("durable")
    write(path, 0, b"D" * 10000, sync=True)
    fsync_dir(m.mnt)
    write(path, 10000, b"E" * 100, sync=True)
    for seed in range(5):
        m.command("power-cut %d" % seed)
        check(read(path) == b"D" * 10000 + b"E" * 100, "seed %d: what was fsynced is all there" % seed)
    os.unlink(path)
    fsync_dir(m.mnt)


def shrink_is_undone_or_kept(m):
    path = m.path("shrink")
    write(path, 0, b"S" * 3 * PAGE, sync=True)
    fsync_dir(m.mnt)
    seen = set()
    for seed in range(10):
        os.truncate(path, 100)
        m.command("power-cut %d" % seed)
        data = read(path)
        check(data[:100] == b"S" * 100, "seed %d: a truncate keeps the start" % seed)
        check(len(data) in (100, 3 * PAGE), "seed %d: an unsynced truncate happened or not (%d)" % (seed, len(data)))
        if len(data) == 3 * PAGE:
            check(pages_are(data, 1, 2, b"S" * PAGE, b"\0" * PAGE), "seed %d: an undone truncate brings old pages or zeros" % seed)
        seen.add(len(data))
        write(path, 0, b"S" * 3 * PAGE, sync=True)
    check(len(seen) == 2, "both outcomes of an unsynced truncate over 10 seeds: %s" % seen)
    os.unlink(path)
    fsync_dir(m.mnt)


def power_off_stops_durability(m):
    path = m.path("off")
    write(path, 0, b"A" * PAGE, sync=True)
    fsync_dir(m.mnt)
    seen = set()
    for seed in range(10):
        m.command("power-off")
        fd = os.open(path, os.O_RDWR)
        os.pwrite(fd, b"B" * PAGE, 0)
        try:
            os.fsync(fd)
            check(False, "after power-off, fsync fails")
        except OSError as e:
            check(e.errno == errno.EIO, "after power-off, fsync fails with EIO")
        os.close(fd)
        m.command("power-cut %d" % seed)
        data = read(path)
        check(data in (b"A" * PAGE, b"B" * PAGE), "seed %d: a page written after power-off is old or new" % seed)
        seen.add(data[:1])
        write(path, 0, b"A" * PAGE, sync=True)  # power is back: fsync works
    check(seen == {b"A", b"B"}, "a write whose fsync failed at power-off was lost for some seeds only: %s" % seen)
    os.unlink(path)
    fsync_dir(m.mnt)


def faults_and_heal(m):
    path = m.path("faulty")
    write(path, 0, b"x")
    m.command("fsync-fail /")
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
        check(False, "fsync fails with EIO")
    except OSError as e:
        check(e.errno == errno.EIO, "fsync fails with EIO, not %s" % e)
    try:
        os.fdatasync(fd)
        check(False, "fdatasync fails with EIO")
    except OSError as e:
        check(e.errno == errno.EIO, "fdatasync fails with EIO")
    try:
        fsync_dir(m.mnt)
        check(False, "a directory fsync fails with EIO")
    except OSError as e:
        check(e.errno == errno.EIO, "a directory fsync fails with EIO")
    m.command("heal")
    os.fsync(fd)
    m.command("fsync-fail /other")
    os.fsync(fd)
    check(True, "fsync-fail under another prefix leaves this file alone")
    m.command("heal")
    m.command("disk-full")
    try:
        os.pwrite(fd, b"y" * 10, 0)
        check(False, "a write fails with ENOSPC")
    except OSError as e:
        check(e.errno == errno.ENOSPC, "a write fails with ENOSPC, not %s" % e)
    check(os.statvfs(m.mnt).f_bavail == 0, "statfs shows no space")
    m.command("heal")
    os.pwrite(fd, b"y", 0)
    m.command("slow-fsync 200")
    start = time.monotonic()
    os.fsync(fd)
    took = time.monotonic() - start
    check(took >= 0.19, "a slow fsync takes 200 ms (%.3f s)" % took)
    m.command("heal")
    start = time.monotonic()
    os.fsync(fd)
    check(time.monotonic() - start < 0.19, "healed, fsync is fast again")
    os.close(fd)
    os.unlink(path)
    fsync_dir(m.mnt)
    check("injected" in m.command("status"), "status answers")


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory(prefix="faultfs-test-") as work:
        m = Mount(work)
        try:
            power_cut_rolls_back(m, seeds)
            synced_data_survives_every_cut(m)
            shrink_is_undone_or_kept(m)
            power_off_stops_durability(m)
            faults_and_heal(m)
        finally:
            m.close()
    print("faultfs: %d passed, 0 failed" % passed)


if __name__ == "__main__":
    main()
