// SPDX-License-Identifier: MIT
/*
 * mthpsim ktest --khugepaged changes machine-wide THP settings for the
 * length of a run, and never leaves them changed: before the first write
 * it records every value it may change in a restore file; it puts them
 * back when the run ends, on SIGINT, SIGTERM, SIGHUP and SIGQUIT, and -
 * after a crash or a SIGKILL - the next ktest (or ktest --restore) does.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel-files.h"
#include "ktest.h"

#define MAX_SAVED 64

struct saved {
	char path[160];
	char value[32];
};

static struct saved saved[MAX_SAVED];
static int nsaved;
static char restore_path[256];
static volatile sig_atomic_t guarded;

const char *kt_restore_file(void)
{
	const char *e = getenv("MTHPSIM_KTEST_RESTORE");

	snprintf(restore_path, sizeof(restore_path), "%s",
		 e && *e ? e : "/run/mthpsim-ktest.restore");
	return restore_path;
}

/* A settings file's value: the bracketed word of "always [madvise] never",
 * or the number. 0, or -errno. */
static int read_value(const char *path, char *out, size_t len)
{
	char buf[256];
	size_t n;
	int e = mthp_read_small(path, buf, sizeof(buf));
	const char *v = e ? NULL : mthp_bracketed(buf, strlen(buf), &n);

	if (e)
		return e;
	if (!v) {
		v = buf;
		n = strcspn(buf, " \n");
	}
	if (n >= len)
		return -EOVERFLOW;
	memcpy(out, v, n);
	out[n] = 0;
	return 0;
}

/* Async-signal-safe: open, write, close. */
static int write_value(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	size_t n = strlen(value);
	int r = write(fd, value, n) == (ssize_t)n ? 0 : -1;

	close(fd);
	return r;
}

static void restore_all(void)
{
	for (int i = 0; i < nsaved; i++)
		write_value(saved[i].path, saved[i].value);
}

static void on_signal(int sig)
{
	if (guarded) {
		restore_all();
		unlink(restore_path);
		guarded = 0;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A restore file's line must name a file under the THP directory and a
 * plain value: nothing else is ever written back. */
static bool plausible(const char *path, const char *value)
{
	if (strncmp(path, MTHP_THP_SYSFS "/", sizeof(MTHP_THP_SYSFS)) || strstr(path, ".."))
		return false;
	for (const char *v = value; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= '0' && *v <= '9') || *v == '-'))
			return false;
	return *value != 0;
}

/* One pass over a restore file: every line checked (-1 with why at the
 * first bad one) and, when put is set, written back (a setting that
 * cannot be is said in why, and the rest are still written). The lines
 * written. */
static int restore_lines(FILE *f, const char *file, bool put, char *why, size_t len)
{
	char line[256];
	unsigned int lineno = 0;
	int n = 0;

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');

		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!tab) {
			snprintf(why, len, "%s:%u:1: not a 'PATH<tab>VALUE' line", file, lineno);
			return -1;
		}
		*tab = 0;
		if (!plausible(line, tab + 1)) {
			snprintf(why, len, "%s:%u:1: '%s' = '%s' is not a THP setting ktest writes",
				 file, lineno, line, tab + 1);
			return -1;
		}
		if (!put)
			continue;
		if (write_value(line, tab + 1) && !why[0])
			snprintf(why, len, "ktest: restoring %s to %s: %s", line, tab + 1,
				 strerror(errno));
		n++;
	}
	return n;
}

/* The PID a lock file records, or 0. */
static long holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = 0;
	return sscanf(buf, "%ld", &pid) == 1 && pid > 0 ? pid : 0;
}

static int lock_fd = -1;

void kt_lock_forget(void)
{
	if (lock_fd >= 0)
		close(lock_fd);
	lock_fd = -1;
}

/* A lock that could not be had: why, and the fd closed. */
static int lock_failed(int fd, const char *what, const char *path, char *why, size_t len)
{
	snprintf(why, len, "ktest: %s %s: %s", what, path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return KT_EXIT_INPUT;
}

int kt_lock(bool wait, void (*waiting)(long pid, const char *path), char *why,
	    size_t len)
{
	int fd;
	char path[300];

	if (lock_fd >= 0)
		return 0;
	snprintf(path, sizeof(path), "%s.lock", kt_restore_file());
	/* never removed: a lock file unlinked under a waiter is two locks */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return lock_failed(fd, "the lock", path, why, len);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK)
			return lock_failed(fd, "locking", path, why, len);
		long pid = holder(fd);

		if (!wait) {
			snprintf(why, len,
				 "ktest: another ktest run (PID %ld) is changing THP settings (%s); wait for it to end, or give --wait",
				 pid, path);
			close(fd);
			return KT_EXIT_INPUT;
		}
		if (waiting)
			waiting(pid, path);
		while (flock(fd, LOCK_EX))
			if (errno != EINTR)
				return lock_failed(fd, "locking", path, why, len);
	}
	char pid[32];
	int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n)
		return lock_failed(fd, "writing", path, why, len);
	lock_fd = fd;
	return 0;
}

int kt_restore_pending(char *why, size_t len)
{
	const char *file = kt_restore_file();
	FILE *f = fopen(file, "r");

	why[0] = 0;
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(why, len, "%s: %s", file, strerror(errno));
		return -KT_EXIT_INPUT;
	}
	/* all of it checked before any of it is written */
	int put = restore_lines(f, file, false, why, len);

	if (put >= 0)
		put = restore_lines(f, file, true, why, len);
	fclose(f);
	if (put < 0)
		return -KT_EXIT_INPUT;
	if (unlink(file)) {
		snprintf(why, len, "%s: %s", file, strerror(errno));
		return -1;
	}
	return put;
}

static void add(const char *path)
{
	if (nsaved >= MAX_SAVED || access(path, W_OK))
		return;
	struct saved *s = &saved[nsaved];

	snprintf(s->path, sizeof(s->path), "%s", path);
	if (read_value(path, s->value, sizeof(s->value)) || !plausible(path, s->value))
		return;
	nsaved++;
}

int kt_guard_begin(char *why, size_t len)
{
	static const char *const files[] = {
		MTHP_THP_SYSFS "/enabled",
		MTHP_THP_SYSFS "/khugepaged/max_ptes_none",
		MTHP_THP_SYSFS "/khugepaged/max_ptes_swap",
		MTHP_THP_SYSFS "/khugepaged/max_ptes_shared",
		MTHP_THP_SYSFS "/khugepaged/pages_to_scan",
		MTHP_THP_SYSFS "/khugepaged/scan_sleep_millisecs",
	};
	glob_t gl;

	nsaved = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		add(files[i]);
	if (!glob(MTHP_THP_SYSFS "/hugepages-*kB/enabled", 0, NULL, &gl)) {
		for (size_t i = 0; i < gl.gl_pathc; i++)
			add(gl.gl_pathv[i]);
		globfree(&gl);
	}

	/* the record first, on disk, then the handlers, then any write */
	const char *file = kt_restore_file();
	char tmp[300];

	snprintf(tmp, sizeof(tmp), "%s.new", file);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		snprintf(why, len, "ktest: cannot write the restore file %s: %s", tmp,
			 strerror(errno));
		return KT_EXIT_INPUT;
	}
	FILE *f = fdopen(fd, "w");
	bool ok = f != NULL;

	for (int i = 0; ok && i < nsaved; i++)
		fprintf(f, "%s\t%s\n", saved[i].path, saved[i].value);
	ok = ok && !fflush(f) && !fsync(fd);
	ok = (f ? !fclose(f) : !close(fd)) && ok;
	if (!ok || rename(tmp, file)) {
		snprintf(why, len, "ktest: writing the restore file %s: %s", file,
			 strerror(errno));
		unlink(tmp);
		return KT_EXIT_INPUT;
	}

	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	guarded = 1;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	return 0;
}

void kt_guard_end(void)
{
	sigset_t all, old;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (guarded) {
		restore_all();
		unlink(restore_path);
		guarded = 0;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void kt_guard_reset(void)
{
	if (guarded)
		restore_all();
}

int kt_set(const char *rel, const char *value)
{
	char path[256];

	snprintf(path, sizeof(path), MTHP_THP_SYSFS "/%s", rel);
	if (access(path, F_OK))
		return -ENOENT;
	return write_value(path, value) ? -errno : 0;
}

unsigned long kt_full_scans(void)
{
	char v[32];

	if (read_value(MTHP_THP_SYSFS "/khugepaged/full_scans", v, sizeof(v)))
		return 0;
	return strtoul(v, NULL, 10);
}
