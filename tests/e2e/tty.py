#!/usr/bin/env python3
"""Run a command on a pseudo-terminal of its own and answer its password prompts.

    tty.py answer CMD [ARG...]
        Wait for "New password:", type $TTY_ANSWER and Enter; wait for "Retype new
        password:", type it again; then read to the end. Exit with the command's status.
    tty.py interrupt CMD [ARG...]
        Wait for "New password:", check that the terminal's echo is off, type Ctrl-C;
        wait for the command to end. Exit 0 when the terminal's settings are then what
        they were before the command started, else 1. Prints "status=N" (128+N for a
        signal, as a shell says it) on stderr.

The transcript (everything the command wrote on the terminal) goes to standard output.
Each wait is for the event (the prompt's text, the end of the command), bounded by
TTY_TIMEOUT seconds (60 by default); running past it is a failure, never a pass.
TTY_ANSWER is removed from the command's environment.
"""
import os
import select
import signal
import sys
import termios
import time

TIMEOUT = float(os.environ.get("TTY_TIMEOUT", "60"))


def die(msg):
    sys.stderr.write("tty.py: %s\n" % msg)
    sys.exit(2)


def spawn(argv, slave):
    env = dict(os.environ)
    env.pop("TTY_ANSWER", None)
    env.pop("TTY_TIMEOUT", None)
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            import fcntl
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    return pid


class Reader:
    """What the command wrote so far, read from the master side."""

    def __init__(self, master):
        self.master = master
        self.seen = b""
        self.eof = False

    def pump(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return
        try:
            data = os.read(self.master, 4096)
        except OSError:
            data = b""
        if not data:
            self.eof = True
        self.seen += data
        sys.stdout.buffer.write(data)
        sys.stdout.flush()

    def wait_for(self, text, start):
        deadline = time.monotonic() + TIMEOUT
        while text not in self.seen[start:]:
            if self.eof:
                die("the command ended before asking %r" % text.decode())
            left = deadline - time.monotonic()
            if left <= 0:
                die("no %r within %g s" % (text.decode(), TIMEOUT))
            self.pump(left)
        return self.seen.index(text, start) + len(text)

    def drain(self, pid):
        deadline = time.monotonic() + TIMEOUT
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                while not self.eof:
                    r, _, _ = select.select([self.master], [], [], 0)
                    if not r:
                        break
                    self.pump(0)
                return status
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                die("the command did not end within %g s" % TIMEOUT)
            self.pump(min(left, 0.05)) if not self.eof else time.sleep(0.01)


def shell_status(status):
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("answer", "interrupt"):
        die("usage: tty.py answer|interrupt CMD [ARG...]")
    mode, argv = sys.argv[1], sys.argv[2:]
    master, slave = os.openpty()
    before = termios.tcgetattr(slave)
    pid = spawn(argv, slave)
    rd = Reader(master)
    at = rd.wait_for(b"New password:", 0)
    if mode == "answer":
        answer = os.environ.get("TTY_ANSWER")
        if answer is None:
            die("TTY_ANSWER is not set")
        os.write(master, answer.encode() + b"\n")
        rd.wait_for(b"Retype new password:", at)
        os.write(master, answer.encode() + b"\n")
        status = shell_status(rd.drain(pid))
        sys.stderr.write("status=%d\n" % status)
        sys.exit(status)
    # interrupt: podpass turns echo off before it shows the question
    if termios.tcgetattr(slave)[3] & termios.ECHO:
        die("the terminal's echo is on while the question is shown")
    os.write(master, b"\x03")
    status = shell_status(rd.drain(pid))
    sys.stderr.write("status=%d\n" % status)
    after = termios.tcgetattr(slave)
    if after != before:
        sys.stderr.write("tty.py: the terminal's settings changed: before %r, after %r\n"
                         % (before, after))
        sys.exit(1)
    sys.exit(0 if status == 130 else 1)


if __name__ == "__main__":
    main()
