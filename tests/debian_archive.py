# SPDX-License-Identifier: MIT
"""The distribution's archive, for the tests that need real kernels.

Another suite of the same archive this machine's apt already uses: the
mirror and its keyring are read from the machine's own apt sources at run
time (never written into the repository), and apt is pointed at a private
sources list and state directory in a cache outside the source tree
($MTHPSIM_TEST_CACHE, else $XDG_CACHE_HOME/mthpsim-tests, else
~/.cache/mthpsim-tests). Packages are fetched by name and kept there.

Nothing here skips: a machine that cannot reach the archive fails the
test that asked, with the reason.
"""
import fcntl
import glob
import os
import re
import shutil
import subprocess

SUITES = ("bookworm", "trixie", "trixie-backports", "sid", "experimental")
# the architectures whose packages are read: this machine's, and those of
# the guests ktest --kernel boots (their kernels and a static busybox)
FOREIGN = ("arm64", "ppc64el")
FOREIGN_SUITES = ("trixie-backports", "sid")


def machine_arch():
    p = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True)
    return p.stdout.strip() or "amd64"
DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


class ArchiveError(Exception):
    """What stopped a fetch, in words."""


def cache_dir():
    d = os.environ.get("MTHPSIM_TEST_CACHE")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
            os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "mthpsim-tests")
    os.makedirs(d, exist_ok=True)
    return d


def _sources_entries():
    """(uri, suites, components, signed_by) of each apt source of this
    machine, one-line and deb822 alike."""
    out = []
    for path in ["/etc/apt/sources.list"] + sorted(
            glob.glob("/etc/apt/sources.list.d/*.list")):
        try:
            lines = open(path).read().splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.split("#", 1)[0].strip()
            m = re.match(r"deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)", line)
            if not m:
                continue
            opts = m.group(1) or ""
            sb = re.search(r"signed-by=(\S+?)\]?(\s|$)", opts)
            out.append((m.group(2), [m.group(3)], m.group(4).split(),
                        sb.group(1) if sb else None))
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        try:
            text = open(path).read()
        except OSError:
            continue
        for stanza in re.split(r"\n\s*\n", text):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                k, v = line.split(":", 1)
                fields[k.strip().lower()] = v.strip()
            if "deb" not in fields.get("types", "").split():
                continue
            if fields.get("enabled", "yes").lower() == "no":
                continue
            for uri in fields.get("uris", "").split():
                out.append((uri, fields.get("suites", "").split(),
                            fields.get("components", "").split(),
                            fields.get("signed-by")))
    return out


def machine_mirror():
    """The URI and keyring this machine's apt fetches Debian's main
    archive from (not its security archive)."""
    for uri, suites, comps, signed in _sources_entries():
        if "main" not in comps:
            continue
        if any(s.endswith("-security") or "/updates" in s for s in suites):
            continue
        if not any(re.match(r"^(bookworm|trixie|forky|sid|stable|testing|unstable)", s)
                   for s in suites):
            continue
        keyring = signed if signed and os.path.exists(signed) else DEFAULT_KEYRING
        return uri, keyring
    raise ArchiveError("this machine's apt has no source for Debian's main archive "
                       "(/etc/apt/sources.list, /etc/apt/sources.list.d): nothing to fetch kernels from")


class Archive:
    def __init__(self, cache=None):
        self.cache = cache or cache_dir()
        self.state = os.path.join(self.cache, "apt")
        self.debs = os.path.join(self.cache, "debs")
        for d in (self.state, os.path.join(self.state, "lists", "partial"),
                  os.path.join(self.state, "archives", "partial"), self.debs):
            os.makedirs(d, exist_ok=True)
        self._ready = False
        self.arches = [machine_arch()] + [a for a in FOREIGN if a != machine_arch()]

    def _opts(self):
        return ["-o", "Dir::Etc::SourceList=" + os.path.join(self.state, "sources.list"),
                "-o", "Dir::Etc::SourceParts=/dev/null",
                "-o", "Dir::State=" + self.state,
                "-o", "Dir::State::Lists=" + os.path.join(self.state, "lists"),
                "-o", "Dir::State::status=" + os.path.join(self.state, "status"),
                "-o", "Dir::Cache=" + self.state,
                "-o", "Dir::Cache::Archives=" + os.path.join(self.state, "archives"),
                # the package cache kept on disk (Debian's container images
                # turn it off): each apt-cache call reads it instead of
                # parsing every list again, 0.1 s instead of 4
                "-o", "Dir::Cache::pkgcache=" + os.path.join(self.state, "pkgcache.bin"),
                "-o", "Dir::Cache::srcpkgcache=" + os.path.join(self.state, "srcpkgcache.bin"),
                "-o", "Debug::NoLocking=1",
                "-o", "APT::Sandbox::User=root",
                "-o", "APT::Architectures=" + ",".join(self.arches),
                "-o", "Acquire::Retries=3"]

    def _lock(self):
        f = open(os.path.join(self.cache, "lock"), "w")
        fcntl.flock(f, fcntl.LOCK_EX)
        return f

    def _run(self, *argv, cwd=None):
        p = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True)
        if p.returncode:
            raise ArchiveError("%s: exit %d: %s" % (" ".join(argv[:2]), p.returncode,
                                                   (p.stderr or p.stdout).strip()[-600:]))
        return p.stdout

    def setup(self):
        """The private sources list, and apt's lists fetched (once per
        process)."""
        if self._ready:
            return
        if not shutil.which("apt-get"):
            raise ArchiveError("apt-get is not here: this machine is not Debian's")
        uri, keyring = machine_mirror()
        # the other architectures' lists only from the suites their
        # kernels with the series come from
        lines = ["deb [arch=%s signed-by=%s] %s %s main" % (
                     ",".join(self.arches if s in FOREIGN_SUITES else self.arches[:1]),
                     keyring, uri, s)
                 for s in SUITES]
        with self._lock():
            with open(os.path.join(self.state, "sources.list"), "w") as f:
                f.write("\n".join(lines) + "\n")
            open(os.path.join(self.state, "status"), "a").close()
            self._run("apt-get", *self._opts(), "-q", "update")
        self._ready = True

    def names(self, pattern):
        """Package names that match the regular expression."""
        self.setup()
        out = self._run("apt-cache", *self._opts(), "pkgnames")
        rx = re.compile(pattern)
        return sorted(n for n in out.split() if rx.fullmatch(n))

    def versions(self, name):
        """The versions of a package the archive can give, newest first
        (none when it names a package no suite has a file for). name may
        carry an architecture: busybox-static:arm64."""
        self.setup()
        p = subprocess.run(["apt-cache", *self._opts(), "show", name],
                           capture_output=True, text=True)
        if p.returncode:
            return []
        vs = [m for m in re.findall(r"^Version: (\S+)", p.stdout, re.M)]
        files = re.findall(r"^Filename: (\S+)", p.stdout, re.M)
        if not files:
            return []
        return sorted(set(vs), key=_VersionKey, reverse=True)

    def depends(self, name, version):
        self.setup()
        p = subprocess.run(["apt-cache", *self._opts(), "show", "%s=%s" % (name, version)],
                           capture_output=True, text=True)
        m = re.search(r"^Depends: (.*)$", p.stdout, re.M)
        return m.group(1) if m else ""

    def download(self, name, version=None):
        """The .deb of name (its newest version unless one is given),
        fetched into the cache once."""
        self.setup()
        vs = self.versions(name)
        if not vs:
            raise ArchiveError("%s: no suite of the archive (%s) has it" % (name, ", ".join(SUITES)))
        version = version or vs[0]
        bare, _, arch = name.partition(":")
        stem = "%s_%s" % (bare, version.replace(":", "%3a"))
        pattern = stem + ("_%s.deb" % arch if arch else "_*.deb")
        have = glob.glob(os.path.join(self.debs, pattern))
        if have:
            return have[0]
        with self._lock():
            self._run("apt-get", *self._opts(), "-q", "download", "%s=%s" % (name, version),
                      cwd=self.debs)
        have = glob.glob(os.path.join(self.debs, pattern))
        if not have:
            raise ArchiveError("%s=%s: apt-get download left no file in %s" % (name, version, self.debs))
        return have[0]

    def unpack(self, deb, only=None):
        """The .deb's files, unpacked once into the cache; only: the
        shell patterns of the paths wanted (all when None)."""
        d = os.path.join(self.cache, "unpacked", os.path.basename(deb)[:-4])
        if os.path.exists(os.path.join(d, ".done")):
            return d
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        if only is None:
            self._run("dpkg-deb", "-x", deb, d)
        else:
            deb_tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb],
                                       stdout=subprocess.PIPE)
            p = subprocess.run(["tar", "-x", "-f", "-", "--wildcards", *only],
                               stdin=deb_tar.stdout, cwd=d, capture_output=True, text=True)
            deb_tar.stdout.close()
            deb_tar.wait()
            # tar says so when a pattern matched nothing: not an error here
            if deb_tar.returncode or (p.returncode and "Not found in archive" not in p.stderr):
                raise ArchiveError("%s: unpacking: %s" % (deb, p.stderr.strip()[-400:]))
        open(os.path.join(d, ".done"), "w").close()
        return d


def _version_parts(v):
    """Enough of dpkg's ordering for kernel versions: numbers as numbers,
    '~' before anything."""
    parts = []
    for tok in re.findall(r"\d+|~|[A-Za-z]+|[^\dA-Za-z~]", v):
        if tok.isdigit():
            parts.append((2, int(tok)))
        elif tok == "~":
            parts.append((0, 0))
        else:
            parts.append((1, tok))
    parts.append((1, ""))
    return parts


class _VersionKey:
    def __init__(self, v):
        self.p = _version_parts(v)

    def __lt__(self, other):
        return self.p < other.p

    def __eq__(self, other):
        return self.p == other.p


def kernel_source(archive, series):
    """mm/khugepaged.c, the mm/ headers it reads and the Makefile of the
    distribution's newest linux-source-SERIES, unpacked once: the tree's
    path."""
    name = "linux-source-" + series
    deb = archive.download(name)
    tree = os.path.join(archive.cache, "trees", os.path.basename(deb)[:-4])
    top = os.path.join(tree, "linux-source-" + series)
    if os.path.exists(os.path.join(tree, ".done")):
        return top
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    # the tarball inside the package, straight into tar: only what
    # kcheck reads comes out
    inner = "./usr/src/linux-source-%s.tar.xz" % series
    want = ["linux-source-%s/mm/khugepaged.c" % series,
            "linux-source-%s/mm/*.h" % series,
            "linux-source-%s/Makefile" % series]
    deb_tar = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    get = subprocess.Popen(["tar", "-xO", "-f", "-", inner], stdin=deb_tar.stdout,
                           stdout=subprocess.PIPE)
    deb_tar.stdout.close()
    p = subprocess.run(["tar", "-xJ", "-f", "-", "--wildcards", "--no-wildcards-match-slash",
                        *want], stdin=get.stdout, cwd=tree, capture_output=True, text=True)
    get.stdout.close()
    get.wait()
    deb_tar.wait()
    if p.returncode or not os.path.exists(os.path.join(top, "mm", "khugepaged.c")):
        raise ArchiveError("%s: could not take mm/khugepaged.c out of %s: %s" %
                           (name, os.path.basename(deb), p.stderr.strip()[-400:]))
    open(os.path.join(tree, ".done"), "w").close()
    return top


def kernel_image(archive, series, flavour="cloud-amd64", arch=None):
    """The newest SERIES kernel of the flavour whose image and modules the
    archive has: (release, image path, modules dir). arch: the Debian
    architecture of a flavour that is not this machine's (arm64,
    ppc64el)."""
    rx = r"linux-image-(%s(?:\.[0-9][^ ]*)?)-%s" % (re.escape(series), re.escape(flavour))
    cands = []
    for n in archive.names(rx):
        if n.endswith("-dbg") or "-unsigned" in n:
            continue
        rel = re.fullmatch(rx, n).group(1)
        cands.append((_VersionKey(rel), rel, n))
    tried = []
    q = ":" + arch if arch else ""
    for _, rel, name in sorted(cands, reverse=True):
        vs = archive.versions(name + q)
        if not vs:
            continue
        full = "%s-%s" % (rel, flavour)
        deps = archive.depends(name + q, vs[0])
        # newer packages split the image into linux-binary and
        # linux-modules; some of those are missing from a mirror
        if "linux-binary-" + full in deps:
            parts = ["linux-binary-" + full + q, "linux-modules-" + full + q]
        else:
            parts = [name + q]
        if not all(archive.versions(p) for p in parts):
            tried.append(full)
            continue
        # of a modules package, what the guest's swap needs (zram, its
        # compressors, virtio-blk, and what they depend on)
        swap = ["*/kernel/drivers/block/*", "*/kernel/mm/*", "*/kernel/lib/*",
                "*/kernel/crypto/*", "*/modules.*"]
        try:
            dirs = [archive.unpack(archive.download(p),
                                   None if p.startswith("linux-binary-") else
                                   swap + ["./boot/*"] if p.startswith("linux-image-") else swap)
                    for p in parts]
        except ArchiveError as e:
            # listed, but the mirror has no file for it (yet)
            tried.append("%s (%s)" % (full, str(e)[-120:]))
            continue
        image = mods = None
        for d in dirs:
            for cand in glob.glob(os.path.join(d, "boot", "vmlinu[xz]-*")) + \
                    glob.glob(os.path.join(d, "usr", "lib", "modules", "*", "vmlinu[xz]")):
                image = cand
            for cand in glob.glob(os.path.join(d, "usr", "lib", "modules", "*", "kernel")) + \
                    glob.glob(os.path.join(d, "lib", "modules", "*", "kernel")):
                mods = os.path.dirname(cand)
        if image and mods:
            return full, image, mods
        tried.append(full + " (no image or modules in the packages)")
    raise ArchiveError("no %s kernel of series %s with its image and modules in the archive%s" %
                       (flavour, series, " (tried: %s)" % ", ".join(tried) if tried else ""))


def static_busybox(archive, arch):
    """A statically linked busybox for a Debian architecture, from its
    busybox-static package: the path."""
    d = archive.unpack(archive.download("busybox-static:" + arch))
    for cand in (os.path.join(d, "bin", "busybox"), os.path.join(d, "usr", "bin", "busybox")):
        if os.path.exists(cand):
            return cand
    raise ArchiveError("busybox-static:%s: no busybox in the package" % arch)
