"""virsh against a virtd of the test harness."""

import os
import subprocess

VIRSH_TIMEOUT = 60


class Virsh:
    def __init__(self, virtd, scheme="qemu", readonly=False):
        sock = virtd.run_dir / ("virtd-sock-ro" if readonly else "virtd-sock")
        self.uri = f"{scheme}+unix:///system?socket={sock}"
        self.home = virtd.tmp_dir
        self.tmp = virtd.tmp_dir

    def run(self, *args, check=True, quiet=False):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C",
               "HOME": str(self.home)}
        opts = ["-q"] if quiet else []
        p = subprocess.run(["virsh", *opts, "-c", self.uri, *args], capture_output=True,
                           text=True, timeout=VIRSH_TIMEOUT, env=env)
        if check:
            assert p.returncode == 0, f"virsh {args}: rc={p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def out(self, *args):
        return self.run(*args).stdout

    def rows(self, *args):
        """A table (list, net-list) without its header, split in columns."""
        out = self.run(*args, quiet=True).stdout
        return [line.split() for line in out.splitlines() if line.strip()]

    def define_file(self, kind, name, text):
        path = self.tmp / f"{name}.xml"
        path.write_text(text)
        return self.run("net-define" if kind == "net" else "define", str(path), check=False)


def kv_lines(text):
    """virsh's 'Key:   value' output as a dict."""
    out = {}
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out
