// SPDX-License-Identifier: MIT
/*
 * ktest in a virtual machine (guest.h): the initramfs (a newc cpio this
 * file writes), QEMU started on it and watched through the serial console,
 * and the suites' output read back from between the markers the guest's
 * init prints.
 */
#define _GNU_SOURCE /* nftw(), pipe2() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest.h"
#include "remove-tree.h"

static volatile sig_atomic_t interrupted;

void kt_guest_interrupt(void)
{
	interrupted = 1;
}

const char *kt_arch_name(enum kt_arch a)
{
	switch (a) {
	case KT_ARCH_X86_64: return "x86_64";
	case KT_ARCH_ARM64: return "arm64";
	case KT_ARCH_PPC64LE: return "ppc64le";
	case KT_ARCH_UNKNOWN: break;
	}
	return "unknown";
}

enum kt_arch kt_host_arch(void)
{
#if defined(__x86_64__)
	return KT_ARCH_X86_64;
#elif defined(__aarch64__)
	return KT_ARCH_ARM64;
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return KT_ARCH_PPC64LE;
#else
	return KT_ARCH_UNKNOWN;
#endif
}

int kt_elf_for(const char *path, enum kt_arch arch, bool static_only, char *why,
	       size_t len)
{
	unsigned char h[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : pread(fd, h, sizeof(h), 0);

	if (n < 64 || memcmp(h, "\x7f" "ELF", 4) || h[4] != 2 || h[5] != 1) {
		snprintf(why, len, "%s: %s", path, n < 0 ? strerror(errno)
					      : "not a 64-bit little-endian ELF executable");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	unsigned int machine = h[18] | (unsigned int)h[19] << 8;
	enum kt_arch is = machine == 62 ? KT_ARCH_X86_64 : machine == 183 ? KT_ARCH_ARM64
			  : machine == 21 ? KT_ARCH_PPC64LE : KT_ARCH_UNKNOWN;

	if (is != arch) {
		close(fd);
		snprintf(why, len, "%s is built for %s, the guest is %s", path,
			 is == KT_ARCH_UNKNOWN ? "another machine" : kt_arch_name(is),
			 kt_arch_name(arch));
		return -1;
	}
	/* a program header PT_INTERP (3): it needs a loader */
	uint64_t phoff = 0;
	unsigned int phentsize = h[54] | (unsigned int)h[55] << 8;
	unsigned int phnum = h[56] | (unsigned int)h[57] << 8;
	bool dynamic = false;

	for (int b = 7; b >= 0; b--)
		phoff = phoff << 8 | h[32 + b];
	for (unsigned int i = 0; static_only && i < phnum && i < 64 && phentsize >= 4; i++) {
		unsigned char ph[4];

		if (pread(fd, ph, 4, (off_t)(phoff + (uint64_t)i * phentsize)) == 4 &&
		    (ph[0] | ph[1] << 8 | ph[2] << 16 | (unsigned int)ph[3] << 24) == 3)
			dynamic = true;
	}
	close(fd);
	if (dynamic) {
		snprintf(why, len, "%s is linked dynamically; a %s guest needs it static", path,
			 kt_arch_name(arch));
		return -1;
	}
	return 0;
}

enum kt_arch kt_image_arch(const char *image, char *why, size_t len)
{
	unsigned char h[4096];
	int fd = open(image, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		snprintf(why, len, "%s: %s", image, strerror(errno));
		return KT_ARCH_UNKNOWN;
	}
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n < 0x240) {
		snprintf(why, len, "%s: too short for a kernel image", image);
		return KT_ARCH_UNKNOWN;
	}
	/* x86: the boot protocol's header, "HdrS" at 0x202 */
	if (!memcmp(h + 0x202, "HdrS", 4))
		return KT_ARCH_X86_64;
	/* arm64: the Image header's magic at 0x38 */
	if (!memcmp(h + 0x38, "ARM\x64", 4))
		return KT_ARCH_ARM64;
	/* an ELF vmlinux: little-endian 64-bit PowerPC (e_machine 21) */
	if (!memcmp(h, "\x7f" "ELF", 4) && h[4] == 2 && h[5] == 1) {
		unsigned int machine = h[18] | (unsigned int)h[19] << 8;

		if (machine == 21)
			return KT_ARCH_PPC64LE;
		if (machine == 62 || machine == 183) {
			snprintf(why, len, "%s: an ELF vmlinux for %s; boot the compressed image (bzImage, Image) instead",
				 image, machine == 62 ? "x86_64" : "arm64");
			return KT_ARCH_UNKNOWN;
		}
	}
	if (h[0] == 'M' && h[1] == 'Z' && !memcmp(h + 4, "zimg", 4)) {
		snprintf(why, len, "%s: a compressed EFI image (zboot); give the kernel's Image instead",
			 image);
		return KT_ARCH_UNKNOWN;
	}
	snprintf(why, len, "%s: not a kernel image this knows (an x86 bzImage, an arm64 Image, a ppc64le ELF vmlinux)",
		 image);
	return KT_ARCH_UNKNOWN;
}

/* ---- the initramfs: a newc cpio ---- */

struct cpio {
	FILE *f;
	unsigned int ino;
	int err;
};

static void cpio_pad(struct cpio *c, size_t n)
{
	static const char zero[4];

	if (n % 4 && fwrite(zero, 1, 4 - n % 4, c->f) != 4 - n % 4)
		c->err = errno ? errno : EIO;
}

static void cpio_entry(struct cpio *c, const char *name, unsigned int mode,
		       const void *data, size_t size)
{
	size_t nl = strlen(name) + 1;

	if (fprintf(c->f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		    ++c->ino, mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, nl, 0u) < 0 ||
	    fwrite(name, 1, nl, c->f) != nl)
		c->err = errno ? errno : EIO;
	cpio_pad(c, 110 + nl);
	if (size && fwrite(data, 1, size, c->f) != size)
		c->err = errno ? errno : EIO;
	cpio_pad(c, size);
}

static void cpio_dir(struct cpio *c, const char *name)
{
	cpio_entry(c, name, 040755, NULL, 0);
}

/* Every directory on the way to path ("lib", "lib/x86_64-linux-gnu"),
 * once: the cpio names them before their files. */
static void cpio_dirs_of(struct cpio *c, const char *path, char (*seen)[256],
			 size_t *nseen, size_t max)
{
	char d[256];

	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		bool known = false;

		snprintf(d, sizeof(d), "%.*s", (int)(p - path), path);
		for (size_t i = 0; i < *nseen && !known; i++)
			known = !strcmp(seen[i], d);
		if (known || !*d)
			continue;
		cpio_dir(c, d);
		if (*nseen < max)
			snprintf(seen[(*nseen)++], 256, "%s", d);
	}
}

static char *read_all(const char *path, size_t *len, size_t limit)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			if (cap > limit + 1)
				cap = limit + 1;
			char *b = realloc(buf, cap + 1);

			if (!b)
				break;
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (!got || n > limit)
			break;
	}
	bool bad = ferror(f) || n > limit || !buf;

	fclose(f);
	if (bad) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* Runs argv with standard output to out (a file) and standard error to
 * err; the exit status, or -1. */
static int run_to(char *const argv[], const char *out, const char *err)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (!pid) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The libraries a dynamic executable loads, as ldd names them, into
 * libs (absolute paths); the loader into interp. 0, or -1 with why. */
static int shared_libraries(const char *exe, const char *scratch, char libs[][512],
			    size_t max, size_t *n, char *interp, size_t ilen,
			    char *why, size_t len)
{
	char out[600], err[600], *argv[] = { "ldd", (char *)exe, NULL };
	size_t tl;

	*n = 0;
	interp[0] = 0;
	snprintf(out, sizeof(out), "%s/ldd.out", scratch);
	snprintf(err, sizeof(err), "%s/ldd.err", scratch);
	int st = run_to(argv, out, err);
	char *t = read_all(out, &tl, 1 << 20);

	if (st == 127 || !t) {
		free(t);
		snprintf(why, len, "ldd (libc-bin) was not found to list what %s loads", exe);
		return -1;
	}
	if (strstr(t, "not a dynamic executable") || st != 0) {
		free(t);
		return 0; /* static: nothing to add */
	}
	for (char *l = strtok(t, "\n"); l; l = strtok(NULL, "\n")) {
		char *arrow = strstr(l, "=> "), *p, path[512];

		if (strstr(l, "not found")) {
			snprintf(why, len, "%s loads a library that is not found: %s", exe, l + strspn(l, " \t"));
			free(t);
			return -1;
		}
		p = arrow ? arrow + 3 : l + strspn(l, " \t");
		if (*p != '/')
			continue; /* linux-vdso.so.1 */
		snprintf(path, sizeof(path), "%.*s", (int)strcspn(p, " ("), p);
		if (!arrow)
			snprintf(interp, ilen, "%s", path);
		else if (*n < max)
			snprintf(libs[(*n)++], 512, "%s", path);
	}
	free(t);
	return 0;
}

/* A module file for name (zram, virtio_blk) under dir, searched
 * recursively: name.ko, .ko.xz, .ko.zst or .ko.gz ('-' and '_' alike). */
static bool find_module(const char *dir, const char *name, char *out, size_t len,
			int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		char path[1024];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR) {
			if (depth < 8)
				found = find_module(path, name, out, len, depth + 1);
			continue;
		}
		size_t nl = strlen(name);
		const char *ext = e->d_name + nl;
		bool same = strlen(e->d_name) > nl;

		for (size_t i = 0; same && i < nl; i++) {
			char a = e->d_name[i] == '-' ? '_' : e->d_name[i];
			char b = name[i] == '-' ? '_' : name[i];

			same = a == b;
		}
		if (same && (!strcmp(ext, ".ko") || !strcmp(ext, ".ko.xz") ||
			     !strcmp(ext, ".ko.zst") || !strcmp(ext, ".ko.gz"))) {
			snprintf(out, len, "%s", path);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* A module's bytes, decompressed with the tool its suffix names. */
static char *module_bytes(const char *path, const char *scratch, size_t *len)
{
	const char *tool = NULL;
	size_t pl = strlen(path);

	if (pl > 3 && !strcmp(path + pl - 3, ".xz"))
		tool = "xz";
	else if (pl > 4 && !strcmp(path + pl - 4, ".zst"))
		tool = "zstd";
	else if (pl > 3 && !strcmp(path + pl - 3, ".gz"))
		tool = "gzip";
	if (!tool)
		return read_all(path, len, 64u << 20);
	char out[600], err[600];
	char *argv[] = { (char *)tool, "-dc", (char *)path, NULL };

	snprintf(out, sizeof(out), "%s/module.ko", scratch);
	snprintf(err, sizeof(err), "%s/module.err", scratch);
	if (run_to(argv, out, err))
		return NULL;
	return read_all(out, len, 64u << 20);
}

/* The modules a module needs, from its .modinfo "depends=a,b". */
static void module_depends(const char *ko, size_t len, char deps[][64], size_t max,
			   size_t *n)
{
	static const char key[] = "depends=";

	*n = 0;
	for (size_t i = 0; i + sizeof(key) < len; i++) {
		if (memcmp(ko + i, key, sizeof(key) - 1) ||
		    (i && ko[i - 1] != 0))
			continue;
		const char *v = ko + i + sizeof(key) - 1;

		while (*v && *n < max) {
			size_t k = strcspn(v, ",");

			if (k && k < 64) {
				memcpy(deps[*n], v, k);
				deps[(*n)++][k] = 0;
			}
			v += k + (v[k] == ',');
		}
		return;
	}
}

struct modset {
	char names[16][64];
	size_t n;
};

/* name and what it needs, needs first, into the cpio as
 * lib/ktest-modules/NN-name.ko; false when name is not there. */
static bool add_module(struct cpio *c, const char *modules, const char *name,
		       const char *scratch, struct modset *done, int depth)
{
	char path[1024], deps[8][64];
	size_t len, nd;

	for (size_t i = 0; i < done->n; i++)
		if (!strcmp(done->names[i], name))
			return true;
	if (depth > 4 || done->n == 16 || !find_module(modules, name, path, sizeof(path), 0))
		return false;
	char *ko = module_bytes(path, scratch, &len);

	if (!ko)
		return false;
	module_depends(ko, len, deps, 8, &nd);
	for (size_t i = 0; i < nd; i++)
		add_module(c, modules, deps[i], scratch, done, depth + 1);
	char in[128];

	snprintf(in, sizeof(in), "lib/ktest-modules/%02zu-%s.ko", done->n, name);
	cpio_entry(c, in, 0100644, ko, len);
	free(ko);
	snprintf(done->names[done->n++], 64, "%s", name);
	return true;
}

/* The modules tree that goes with an image: the one named, or the one
 * beside a packaged image (.../lib/modules/RELEASE/vmlinuz) or of an
 * installed one (/boot/vmlinuz-RELEASE). */
static bool modules_dir(const struct kt_guest_opts *o, char *out, size_t len)
{
	struct stat st;
	const char *slash = strrchr(o->image, '/');
	const char *base = slash ? slash + 1 : o->image;

	if (o->modules) {
		snprintf(out, len, "%s", o->modules);
		return !stat(out, &st) && S_ISDIR(st.st_mode);
	}
	if (slash) {
		snprintf(out, len, "%.*s/kernel", (int)(slash - o->image), o->image);
		if (!stat(out, &st) && S_ISDIR(st.st_mode)) {
			out[strlen(out) - strlen("/kernel")] = 0;
			return true;
		}
	}
	if (!strncmp(base, "vmlinuz-", 8)) {
		/* ROOT/boot/vmlinuz-RELEASE: ROOT's modules, then the host's
		 * when ROOT is / */
		int root = slash ? (int)(slash - o->image) - 5 : -1;
		static const char *const under[] = { "lib", "usr/lib" };

		for (int i = 0; root >= 0 && i < 2; i++) {
			if (strncmp(o->image + root, "/boot", 5))
				break;
			snprintf(out, len, "%.*s/%s/modules/%s", root, o->image, under[i], base + 8);
			if (!stat(out, &st) && S_ISDIR(st.st_mode))
				return true;
		}
		snprintf(out, len, "/lib/modules/%s", base + 8);
		return !stat(out, &st) && S_ISDIR(st.st_mode);
	}
	return false;
}

static void add_file(struct cpio *c, const char *from, const char *to, unsigned int mode,
		     char (*seen)[256], size_t *nseen, char *why, size_t len)
{
	size_t n;
	char *t = read_all(from, &n, 256u << 20);

	if (!t) {
		if (!c->err)
			c->err = errno ? errno : EIO;
		snprintf(why, len, "%s: %s", from, strerror(c->err));
		return;
	}
	cpio_dirs_of(c, to, seen, nseen, 64);
	cpio_entry(c, to, mode, t, n);
	free(t);
}

/*
 * The guest's init: the file systems, the console quiet, the swap
 * device, then each suite, its output between markers the host reads.
 */
static void write_init(FILE *f, const struct kt_guest_opts *o, char names[][120],
		       size_t nnames)
{
	fprintf(f,
		"#!/bin/busybox sh\n"
		"/bin/busybox --install -s /bin\n"
		"export PATH=/bin LD_LIBRARY_PATH=/lib/ktest\n"
		"mkdir -p /proc /sys /dev /tmp /run\n"
		"mount -t proc proc /proc\nmount -t sysfs sys /sys\n"
		"mount -t devtmpfs dev /dev\nmount -t tmpfs tmp /tmp\nmount -t tmpfs run /run\n"
		/* kernel messages but emergencies stay off the console */
		"echo 1 > /proc/sys/kernel/printk\n"
		"echo \"@@mthpsim-boot $(uname -r)\"\n"
		"for m in /lib/ktest-modules/*.ko; do\n"
		"  [ -e \"$m\" ] && ! insmod \"$m\" 2>/tmp/insmod && echo \"@@mthpsim-note insmod ${m##*/}: $(cat /tmp/insmod)\"\n"
		"done\n"
		/* zram with its default compressor, else the first the
		 * kernel has; else the virtio disk QEMU attaches */
		"swap=\n"
		"z=/sys/block/zram0\n"
		"if [ -e $z/disksize ]; then\n"
		"  for a in '' lzo-rle lzo lz4 zstd deflate 842; do\n"
		"    echo 1 > $z/reset 2>/dev/null\n"
		"    [ -n \"$a\" ] && ! echo $a > $z/comp_algorithm 2>/dev/null && continue\n"
		"    echo 256M > $z/disksize 2>/dev/null && mkswap /dev/zram0 >/dev/null 2>&1 &&\n"
		"      swapon /dev/zram0 && swap=zram0 && break\n"
		"  done\n"
		"fi\n"
		"if [ -z \"$swap\" ] && [ -b /dev/vda ] && mkswap /dev/vda >/dev/null 2>&1 &&\n"
		"   swapon /dev/vda; then swap=vda; fi\n"
		"echo \"@@mthpsim-swap $swap\"\n"
		"cd /scn\n");
	/* a command of the user's before the suites (tracing turned on) */
	const char *setup = getenv("MTHPSIM_GUEST_SETUP");

	if (setup && *setup)
		fprintf(f, "( %s ) >/dev/null 2>&1\n", setup);
	for (int k = 0; k < 2; k++) {
		bool kh = k == 1;

		if ((o->madvise || o->khugepaged) && !(kh ? o->khugepaged : o->madvise))
			continue;
		fprintf(f, "echo \"@@mthpsim-suite %s\"\n", kh ? "khugepaged" : "madvise");
		fprintf(f, "/bin/mthpsim ktest%s%s%s%s", kh ? " --khugepaged" : "",
			o->model ? " --model '" : "", o->model ? o->model : "",
			o->model ? "'" : "");
		fprintf(f, "%s%s", o->json ? " --json" : "", o->keep ? " --keep" : "");
		for (size_t i = 0; i < nnames; i++)
			fprintf(f, " '%s'", names[i]);
		/* names of the suite's cases (checked by the caller: letters,
		 * digits and '-') */
		for (size_t i = 0; i < o->ncases; i++)
			if (strspn(o->cases[i], "abcdefghijklmnopqrstuvwxyz0123456789-") ==
			    strlen(o->cases[i]))
				fprintf(f, " --case %s", o->cases[i]);
		fprintf(f, " >/tmp/out 2>/tmp/err\nrc=$?\n"
			   "echo @@mthpsim-out; cat /tmp/out; echo; echo @@mthpsim-err; cat /tmp/err; echo\n"
			   "echo \"@@mthpsim-end $rc\"\n");
	}
	/* a command of the user's, after the suites, its output on the
	 * console (for a look at the guest's state) */
	const char *extra = getenv("MTHPSIM_GUEST_COMMAND");

	if (extra && *extra)
		fprintf(f, "echo @@mthpsim-command\n%s\necho @@mthpsim-command-end\n", extra);
	fprintf(f, "echo @@mthpsim-done\nsync\npoweroff -f\n");
}


/* The initramfs for o, as scratch/initramfs.cpio: 0, or -1 with why. */
static int make_initramfs(const struct kt_guest_opts *o, const char *scratch,
			  struct kt_guest_result *r)
{
	char path[600], libs[32][512], interp[512], seen[64][256], mods[700];
	char names[64][120];
	size_t nlibs, nseen = 0, nnames = 0;
	struct cpio c = { 0 };
	int ret = -1;

	if (shared_libraries(o->self, scratch, libs, 32, &nlibs, interp, sizeof(interp),
			     r->why, sizeof(r->why)))
		return -1;
	snprintf(path, sizeof(path), "%s/initramfs.cpio", scratch);
	c.f = fopen(path, "wb");
	if (!c.f) {
		snprintf(r->why, sizeof(r->why), "%s: %s", path, strerror(errno));
		return -1;
	}
	static const char *const dirs[] = { "bin", "dev", "proc", "sys", "tmp", "run",
					    "scn", "lib", "lib/ktest", "lib/ktest-modules" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		cpio_dir(&c, dirs[i]);
		snprintf(seen[nseen++], 256, "%s", dirs[i]);
	}
	/* the console device, for init's output before devtmpfs */
	cpio_entry(&c, "dev/console", 020600, NULL, 0);
	add_file(&c, o->busybox, "bin/busybox", 0100755, seen, &nseen, r->why, sizeof(r->why));
	add_file(&c, o->self, "bin/mthpsim", 0100755, seen, &nseen, r->why, sizeof(r->why));
	if (interp[0])
		add_file(&c, interp, interp + 1, 0100755, seen, &nseen, r->why, sizeof(r->why));
	for (size_t i = 0; i < nlibs && !c.err; i++) {
		const char *b = strrchr(libs[i], '/') + 1;
		char to[300];

		snprintf(to, sizeof(to), "lib/ktest/%s", b);
		add_file(&c, libs[i], to, 0100644, seen, &nseen, r->why, sizeof(r->why));
	}
	for (size_t i = 0; i < o->nscenarios && i < 64 && !c.err; i++) {
		const char *b = strrchr(o->scenarios[i], '/');
		char to[200];

		/* the file's own name, a number before it when another
		 * file has it too */
		snprintf(names[nnames], sizeof(names[0]), "%.100s", b ? b + 1 : o->scenarios[i]);
		for (char *p = names[nnames]; *p; p++)
			if (*p == '\'' || *p == '\\' || *p == '/')
				*p = '_';
		for (size_t k = 0; k < nnames; k++)
			if (!strcmp(names[k], names[nnames])) {
				char t[120];

				snprintf(t, sizeof(t), "%02zu-%.100s", i, names[nnames]);
				snprintf(names[nnames], sizeof(names[0]), "%s", t);
				break;
			}
		snprintf(to, sizeof(to), "scn/%.120s", names[nnames++]);
		add_file(&c, o->scenarios[i], to, 0100644, seen, &nseen, r->why, sizeof(r->why));
	}
	/* the swap device's modules, when the kernel has them as modules */
	if (!c.err && modules_dir(o, mods, sizeof(mods))) {
		struct modset done = { .n = 0 };

		/* zram and a compressor it can use (the default's module, or
		 * one the kernel has), virtio-blk for the disk otherwise */
		add_module(&c, mods, "zram", scratch, &done, 0);
		static const char *const comp[] = { "lzo-rle", "lzo", "lz4" };

		for (size_t i = 0; i < 3; i++)
			add_module(&c, mods, comp[i], scratch, &done, 0);
		add_module(&c, mods, "virtio_blk", scratch, &done, 0);
	}
	char *init = NULL;
	size_t ilen = 0;
	FILE *f = open_memstream(&init, &ilen);

	if (f) {
		write_init(f, o, names, nnames);
		fclose(f);
		cpio_entry(&c, "init", 0100755, init, ilen);
	}
	free(init);
	cpio_entry(&c, "TRAILER!!!", 0, NULL, 0);
	if (fclose(c.f) && !c.err)
		c.err = errno;
	if (c.err || !f) {
		if (!r->why[0])
			snprintf(r->why, sizeof(r->why), "writing the initramfs: %s",
				 strerror(c.err ? c.err : ENOMEM));
		return -1;
	}
	ret = 0;
	return ret;
}

/* ---- QEMU ---- */

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The emulator, machine and console for an architecture. */
static void machine_of(enum kt_arch a, bool kvm, const char **qemu, char *args,
		       size_t len, const char **console)
{
	switch (a) {
	case KT_ARCH_ARM64:
		*qemu = "qemu-system-aarch64";
		snprintf(args, len, "-M virt -cpu %s", kvm ? "host" : "max");
		*console = "ttyAMA0";
		return;
	case KT_ARCH_PPC64LE:
		*qemu = "qemu-system-ppc64";
		snprintf(args, len, "-M pseries -cpu %s", kvm ? "host" : "power9");
		*console = "hvc0";
		return;
	case KT_ARCH_X86_64:
	case KT_ARCH_UNKNOWN:
		break;
	}
	*qemu = "qemu-system-x86_64";
	snprintf(args, len, "-M q35 -cpu %s", kvm ? "host" : "max");
	*console = "ttyS0";
}

enum boot { BOOT_OK, BOOT_NO_EMULATOR, BOOT_KVM_FAILED, BOOT_FAILED, BOOT_INTERRUPTED };

/* The last lines of the console log, for a report. */
static char *console_tail(const char *log, int lines)
{
	size_t n;
	char *t = read_all(log, &n, 64u << 20);

	if (!t)
		return strdup("(no console output)");
	char *p = t + n;
	int seen = 0;

	while (p > t && seen <= lines)
		if (*--p == '\n')
			seen++;
	char *tail = strdup(p == t ? p : p + 1);

	free(t);
	for (char *q = tail; q && *q; q++)
		if (*q == '\r')
			*q = ' ';
	return tail;
}

static enum boot boot_once(const struct kt_guest_opts *o, const char *scratch,
			   bool kvm, struct kt_guest_result *r)
{
	const char *qemu, *console;
	char margs[96], log[600], err[600], cpio[600], disk[640], append[160], mem[16];
	char *argv[40];
	size_t argc = 0;

	machine_of(r->arch, kvm, &qemu, margs, sizeof(margs), &console);
	snprintf(log, sizeof(log), "%s/console.log", scratch);
	snprintf(err, sizeof(err), "%s/qemu.err", scratch);
	snprintf(cpio, sizeof(cpio), "%s/initramfs.cpio", scratch);
	snprintf(disk, sizeof(disk), "file=%s/swap.img,if=virtio,format=raw", scratch);
	snprintf(append, sizeof(append), "console=%s panic=-1 quiet loglevel=3", console);
	snprintf(mem, sizeof(mem), "%u", o->memory_mb ? o->memory_mb : 1024);
	snprintf(r->machine, sizeof(r->machine), "%s, %s MiB, %s", margs, mem,
		 kvm ? "KVM" : "TCG");
	char serial[620];

	snprintf(serial, sizeof(serial), "file:%s", log);
	argv[argc++] = (char *)qemu;
	argv[argc++] = "-nodefaults";
	argv[argc++] = "-no-user-config";
	argv[argc++] = "-display";
	argv[argc++] = "none";
	argv[argc++] = "-no-reboot";
	for (char *save, *w = strtok_r(margs, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc++] = "-accel";
	argv[argc++] = kvm ? "kvm" : "tcg";
	argv[argc++] = "-m";
	argv[argc++] = mem;
	argv[argc++] = "-smp";
	argv[argc++] = "1";
	argv[argc++] = "-kernel";
	argv[argc++] = (char *)o->image;
	argv[argc++] = "-initrd";
	argv[argc++] = cpio;
	argv[argc++] = "-append";
	argv[argc++] = append;
	argv[argc++] = "-serial";
	argv[argc++] = serial;
	argv[argc++] = "-drive";
	argv[argc++] = disk;
	argv[argc] = NULL;
	unlink(log);

	double start = now();
	pid_t pid = fork();

	if (pid < 0) {
		snprintf(r->why, sizeof(r->why), "fork: %s", strerror(errno));
		return BOOT_FAILED;
	}
	if (!pid) {
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* the guest dies with the process that started it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(126);
		if (e < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		setpgid(0, 0);
		execvp(qemu, argv);
		_exit(127);
	}
	unsigned int limit = o->timeout ? o->timeout : 600;
	int st = 0;
	bool done = false, panicked = false, booted = false, gone = false;
	size_t seen = 0;

	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid) {
			gone = true;
		} else if (interrupted || now() - start > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			gone = true;
		}
		size_t n;
		char *t = read_all(log, &n, 64u << 20);

		if (t && n > seen) {
			booted |= strstr(t, "@@mthpsim-boot ") != NULL;
			done |= strstr(t, "@@mthpsim-done") != NULL;
			panicked |= strstr(t, "Kernel panic") != NULL;
			if (o->progress && booted && !strstr(t + seen, "@@mthpsim-out")) {
				const char *s = strstr(t + seen, "@@mthpsim-suite ");

				if (s)
					o->progress(o->ctx, s + 16);
			}
			seen = n;
		}
		free(t);
		if (gone)
			break;
		if (panicked) {
			/* panic=-1 reboots, and -no-reboot ends QEMU; a
			 * moment for the rest of the message */
			usleep(300000);
			kill(pid, SIGKILL);
			continue;
		}
		usleep(50000);
	}
	r->seconds = now() - start;
	if (interrupted) {
		snprintf(r->why, sizeof(r->why), "interrupted");
		return BOOT_INTERRUPTED;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		snprintf(r->why, sizeof(r->why), "%s was not found (install qemu-system-%s)",
			 qemu, r->arch == KT_ARCH_X86_64 ? "x86" :
			       r->arch == KT_ARCH_ARM64 ? "arm" : "ppc");
		return BOOT_NO_EMULATOR;
	}
	if (done)
		return BOOT_OK;
	size_t en;
	char *e = read_all(err, &en, 1 << 20);

	if (kvm && !booted) {
		snprintf(r->why, sizeof(r->why), "KVM did not run the guest%s%.300s",
			 e && *e ? ": " : "", e ? e : "");
		free(e);
		return BOOT_KVM_FAILED;
	}
	if (panicked)
		snprintf(r->why, sizeof(r->why), "the guest kernel panicked%s",
			 booted ? "" : " at boot");
	else if (!gone || r->seconds > limit)
		snprintf(r->why, sizeof(r->why), "the guest did not finish within %u s (%s)",
			 limit, booted ? "it booted; a suite hangs" : "it did not boot");
	else
		snprintf(r->why, sizeof(r->why), "QEMU ended before the guest finished (%s%s%.300s)",
			 WIFEXITED(st) ? "exit status " : "signal ",
			 WIFEXITED(st) ? (WEXITSTATUS(st) ? "non-zero" : "0") : "", e && *e ? e : "");
	free(e);
	return BOOT_FAILED;
}

/* The text between "@@mthpsim-out" and "@@mthpsim-err", and between
 * that and "@@mthpsim-end N", of one suite; carriage returns out. */
static int read_suites(const char *log, struct kt_guest_result *r)
{
	size_t n;
	char *t = read_all(log, &n, 64u << 20);

	if (!t)
		return -1;
	for (char *p = t, *q = t; ; p++) {
		if (*p != '\r')
			*q++ = *p;
		if (!*p)
			break;
	}
	const char *b = strstr(t, "@@mthpsim-boot ");

	if (b)
		snprintf(r->release, sizeof(r->release), "%.*s", (int)strcspn(b + 15, "\n"), b + 15);
	const char *sw = strstr(t, "@@mthpsim-swap ");

	if (sw)
		snprintf(r->swap, sizeof(r->swap), "%.*s", (int)strcspn(sw + 15, "\n"), sw + 15);
	for (const char *s = strstr(t, "@@mthpsim-suite "); s && r->nsuites < 2;
	     s = strstr(s + 1, "@@mthpsim-suite ")) {
		struct kt_guest_suite *g = &r->suites[r->nsuites];
		const char *out = strstr(s, "\n@@mthpsim-out\n");
		const char *err = out ? strstr(out, "\n@@mthpsim-err\n") : NULL;
		const char *end = err ? strstr(err, "\n@@mthpsim-end ") : NULL;

		if (!end)
			break;
		snprintf(g->name, sizeof(g->name), "%.*s", (int)strcspn(s + 16, "\n"), s + 16);
		out += strlen("\n@@mthpsim-out\n");
		/* init adds a newline after each, in case the output has none */
		g->out = strndup(out, (size_t)(err - out) > 0 ? (size_t)(err - out) : 0);
		err += strlen("\n@@mthpsim-err\n");
		g->err = strndup(err, (size_t)(end - err));
		g->status = atoi(end + strlen("\n@@mthpsim-end "));
		if (!g->out || !g->err)
			break;
		for (char **x = &g->out; x; x = x == &g->out ? &g->err : NULL) {
			size_t l = strlen(*x);

			if (l && (*x)[l - 1] == '\n')
				(*x)[l - 1] = 0;
		}
		r->nsuites++;
	}
	const char *cmd = strstr(t, "@@mthpsim-command\n");
	const char *cend = cmd ? strstr(cmd, "\n@@mthpsim-command-end") : NULL;

	if (cend) {
		cmd += strlen("@@mthpsim-command\n");
		r->command_out = strndup(cmd, (size_t)(cend - cmd));
	}
	free(t);
	return 0;
}

int kt_guest_run(const struct kt_guest_opts *o, struct kt_guest_result *r)
{
	char scratch[512], disk[600];
	int ret = -1;

	memset(r, 0, sizeof(*r));
	interrupted = 0;
	r->arch = kt_image_arch(o->image, r->why, sizeof(r->why));
	if (r->arch == KT_ARCH_UNKNOWN)
		return -1;
	snprintf(scratch, sizeof(scratch), "%s/mthpsim-ktest-XXXXXX",
		 o->scratch_parent && *o->scratch_parent ? o->scratch_parent : "/tmp");
	if (!mkdtemp(scratch)) {
		snprintf(r->why, sizeof(r->why), "a scratch directory in %s: %s",
			 o->scratch_parent ? o->scratch_parent : "/tmp", strerror(errno));
		return -1;
	}
	if (make_initramfs(o, scratch, r))
		goto out;
	/* a disk for swap, for a kernel with virtio-blk and no zram */
	snprintf(disk, sizeof(disk), "%s/swap.img", scratch);
	int fd = open(disk, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, 256 << 20)) {
		snprintf(r->why, sizeof(r->why), "%s: %s", disk, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	bool kvm = o->accel ? !strcmp(o->accel, "kvm")
			    : r->arch == KT_ARCH_X86_64 && !access("/dev/kvm", R_OK | W_OK);
	unsigned int failures = 0;

	for (;;) {
		enum boot b = boot_once(o, scratch, kvm, r);

		r->boots++;
		if (b == BOOT_OK) {
			char log[600];

			snprintf(r->accel, sizeof(r->accel), "%s", kvm ? "kvm" : "tcg");
			snprintf(log, sizeof(log), "%s/console.log", scratch);
			read_suites(log, r);
			ret = 0;
			break;
		}
		if (b == BOOT_NO_EMULATOR || b == BOOT_INTERRUPTED)
			break;
		if (b == BOOT_KVM_FAILED && !o->accel) {
			/* KVM present but unusable: TCG, as if first */
			kvm = false;
			continue;
		}
		/* a guest that did not boot, panicked or hung: once more */
		if (++failures < 2)
			continue;
		char log[600];

		snprintf(log, sizeof(log), "%s/console.log", scratch);
		r->console_tail = console_tail(log, 25);
		break;
	}
out:
	if (mthp_remove_tree(scratch) && !r->why[0])
		snprintf(r->why, sizeof(r->why), "could not remove %s", scratch);
	return ret;
}

void kt_guest_result_free(struct kt_guest_result *r)
{
	for (size_t i = 0; i < r->nsuites; i++) {
		free(r->suites[i].out);
		free(r->suites[i].err);
	}
	free(r->console_tail);
	free(r->command_out);
	memset(r, 0, sizeof(*r));
}
