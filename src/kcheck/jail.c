// SPDX-License-Identifier: MIT
/*
 * The jail a kernel file's handling runs in - the compiler that reads it
 * and the process that runs its code - made with the kernel's own
 * mechanisms, as sandboxes such as bubblewrap make theirs:
 *
 * - a session of its own, so no controlling terminal to type into;
 * - PID, mount, network, IPC and UTS namespaces of its own: every
 *   process the code starts lives in the PID namespace, and all of them
 *   die when its first process does, which dies with the process that
 *   started the jail;
 * - a root of its own, a tmpfs holding only what the jail names: for the
 *   compiler /usr and the dynamic loader's cache read-only, the kernel
 *   environment read-only and the unit's scratch directory; for the code,
 *   /proc alone;
 * - limits on processes, memory, file size, open files and CPU time;
 * - another user (nobody) when started as root, or the caller in a user
 *   namespace of its own otherwise, and no new privileges either way.
 *
 * On a machine where this cannot be done, kcheck refuses, and says why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coverage.h"
#include "kcheck.h"

static int fail(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t len, const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	n = strlen(why);
	if (e && n < len)
		snprintf(why + n, len - n, ": %s", strerror(e));
	return -1;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = (ssize_t)strlen(text);

	if (fd < 0)
		return -1;
	int r = write(fd, text, (size_t)n) == n ? 0 : -1;

	close(fd);
	return r;
}

/* mkdir -p of path under root (path absolute). */
static int make_dirs(const char *root, const char *path)
{
	char p[1400];

	snprintf(p, sizeof(p), "%s%s", root, path);
	for (char *s = p + strlen(root) + 1; ; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;

		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -1;
		*s = c;
		if (!c)
			break;
	}
	return 0;
}

/* path (a directory or a file of the host) at the same place under root,
 * read-only unless rw. */
static int bind(const char *root, const char *path, bool rw, char *why, size_t len)
{
	struct stat st;
	char at[1400];

	if (stat(path, &st))
		return fail(why, len, "jail: %s", path);
	snprintf(at, sizeof(at), "%s%s", root, path);
	if (S_ISDIR(st.st_mode)) {
		if (make_dirs(root, path))
			return fail(why, len, "jail: making %s", at);
	} else {
		char dir[1400];
		const char *slash = strrchr(path, '/');

		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		if (*dir && make_dirs(root, dir))
			return fail(why, len, "jail: making %s%s", root, dir);
		int fd = open(at, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			return fail(why, len, "jail: %s", at);
		close(fd);
	}
	if (mount(path, at, NULL, MS_BIND | MS_REC, NULL))
		return fail(why, len, "jail: binding %s", path);
	if (!rw && mount(NULL, at, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID |
			 MS_NODEV | MS_REC, NULL))
		return fail(why, len, "jail: making %s read-only", path);
	return 0;
}

/* /bin, /lib, /lib64, /sbin of the host: links into /usr on a merged-usr
 * system (as Debian 12 is), else directories bound read-only. */
static int top_dirs(const char *root, char *why, size_t len)
{
	static const char *const dirs[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64",
					    "/libx32" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char target[256], at[1400];
		struct stat st;
		ssize_t n = readlink(dirs[i], target, sizeof(target) - 1);

		snprintf(at, sizeof(at), "%s%s", root, dirs[i]);
		if (n > 0) {
			target[n] = 0;
			if (symlink(target, at))
				return fail(why, len, "jail: %s", at);
		} else if (!lstat(dirs[i], &st) && S_ISDIR(st.st_mode)) {
			if (bind(root, dirs[i], false, why, len))
				return -1;
		}
	}
	return 0;
}

static int pivot(const char *root, char *why, size_t len)
{
	if (chdir(root))
		return fail(why, len, "jail: %s", root);
	if (syscall(SYS_pivot_root, ".", "."))
		return fail(why, len, "jail: pivot_root");
	if (umount2(".", MNT_DETACH))
		return fail(why, len, "jail: leaving the old root");
	if (chdir("/"))
		return fail(why, len, "jail: /");
	return 0;
}

/* The new root: a tmpfs with what the jail names, /proc of its PID
 * namespace, then entered. Runs as the namespace's first process. */
static int build_root(const struct kc_jail *j, char *why, size_t len)
{
	const char *root = j->root;

	/* nothing of what happens here reaches the host's mounts */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail(why, len, "jail: making mounts private");
	if (mount("jail", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=0755"))
		return fail(why, len, "jail: a tmpfs at %s", root);
	if (j->compile) {
		if (bind(root, "/usr", false, why, len) || top_dirs(root, why, len))
			return -1;
		if (!access("/etc/ld.so.cache", R_OK) &&
		    bind(root, "/etc/ld.so.cache", false, why, len))
			return -1;
		if (bind(root, "/dev/null", true, why, len))
			return -1;
		char tmp[1400];

		snprintf(tmp, sizeof(tmp), "%s/tmp", root);
		if (mkdir(tmp, 01777) || mount("tmp", tmp, "tmpfs", MS_NOSUID | MS_NODEV,
					       "size=64m,mode=1777"))
			return fail(why, len, "jail: a /tmp");
	}
	for (size_t i = 0; i < sizeof(j->ro) / sizeof(j->ro[0]) && j->ro[i]; i++)
		if (bind(root, j->ro[i], false, why, len))
			return -1;
	if (j->rw && bind(root, j->rw, true, why, len))
		return -1;
	if (j->also_rw && bind(root, j->also_rw, true, why, len))
		return -1;
	char proc[1400];

	snprintf(proc, sizeof(proc), "%s/proc", root);
	if (mkdir(proc, 0555) || mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				       NULL))
		return fail(why, len, "jail: /proc");
	return pivot(root, why, len);
}

/* The limits, and then nobody's rights (as root) for good. */
static int drop(const struct kc_jail *j, bool as_root, char *why, size_t len)
{
	struct rlimit core = { 0, 0 }, nproc = { 64, 64 }, nofile = { 256, 256 };
	struct rlimit fsize = { 256u << 20, 256u << 20 };

	setrlimit(RLIMIT_CORE, &core);
	setrlimit(RLIMIT_NOFILE, &nofile);
	setrlimit(RLIMIT_FSIZE, &fsize);
	if (j->cpu_seconds) {
		struct rlimit cpu = { j->cpu_seconds, j->cpu_seconds };

		setrlimit(RLIMIT_CPU, &cpu);
	}
	/* a compiler's memory is bounded at its exec (kc_run_jailed()): this
	 * process may be an address sanitizer's, whose reservations are far
	 * past any such bound */
	if (j->as_bytes && !j->compile) {
		struct rlimit as = { j->as_bytes, j->as_bytes };

		setrlimit(RLIMIT_AS, &as);
	}
	if (as_root) {
		uid_t uid = 65534;
		gid_t gid = 65534;
		struct passwd *pw = getpwnam("nobody");

		if (pw) {
			uid = pw->pw_uid;
			gid = pw->pw_gid;
		}
		if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
			return fail(why, len, "jail: becoming nobody");
	}
	/* RLIMIT_NPROC counts the user's processes: after the user is set */
	setrlimit(RLIMIT_NPROC, &nproc);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fail(why, len, "jail: no_new_privs");
	return 0;
}

/* _exit(), after a coverage build's counts are written: a forked
 * process starts its counts at zero and _exit() alone drops them. */
static _Noreturn void jail_exit(int code)
{
	mthp_coverage_dump();
	_exit(code);
}

/* Ends as a wait status says: its exit status, or its signal. */
static _Noreturn void end_as(int st)
{
	mthp_coverage_dump();
	if (WIFSIGNALED(st)) {
		struct rlimit core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &core);
		signal(WTERMSIG(st), SIG_DFL);
		kill(getpid(), WTERMSIG(st));
		_exit(128 + WTERMSIG(st));
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 126);
}

/* Waits for pid; its wait status goes up the pipe tell (when not -1),
 * for the namespace's first process, which no signal of its own
 * namespace can end, and the process ends as pid did - or, when the pipe
 * hear says how the work ended, as that. */
static _Noreturn void mirror(pid_t pid, int tell, int hear)
{
	int st, told;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			jail_exit(126);
	if (tell >= 0 && write(tell, &st, sizeof(st)) != sizeof(st))
		jail_exit(126);
	if (hear >= 0 && read(hear, &told, sizeof(told)) == sizeof(told))
		st = told;
	end_as(st);
}

int kc_jail_enter(const struct kc_jail *j, char *why, size_t len)
{
	bool root = geteuid() == 0;
	uid_t uid = getuid();
	gid_t gid = getgid();
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

	why[0] = 0;
	/* no terminal: a session of its own, and nothing of the caller's
	 * open but what the caller kept */
	if (setsid() < 0 && getsid(0) != getpid())
		return fail(why, len, "jail: setsid");
	if (!root)
		flags |= CLONE_NEWUSER;
	if (unshare(flags))
		return fail(why, len, "jail: namespaces (%s)",
			    root ? "as root" : "a user namespace: is kernel.unprivileged_userns_clone off?");
	if (!root) {
		char map[64];

		/* the caller, as root of its own namespace: enough to mount,
		 * nothing outside */
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)uid);
		if (write_file("/proc/self/uid_map", map))
			return fail(why, len, "jail: uid_map");
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)gid);
		if (write_file("/proc/self/gid_map", map))
			return fail(why, len, "jail: gid_map");
	}
	/* the first process of the PID namespace: it dies with this one,
	 * and every process of the namespace with it */
	int status[2];

	if (pipe2(status, O_CLOEXEC))
		return fail(why, len, "jail: pipe");
	pid_t init = fork();

	if (init < 0)
		return fail(why, len, "jail: fork");
	if (init) {
		close(status[1]);
		mirror(init, -1, status[0]);
	}
	close(status[0]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (build_root(j, why, len)) {
		dprintf(2, "kcheck: %s\n", why);
		jail_exit(KC_ERROR);
	}
	/* the work runs in a process of its own: the namespace's first
	 * process ignores the signals it has no handler for */
	pid_t worker = fork();

	if (worker < 0) {
		dprintf(2, "kcheck: jail: fork: %s\n", strerror(errno));
		jail_exit(KC_ERROR);
	}
	if (worker)
		mirror(worker, status[1], -1);
	close(status[1]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (drop(j, root && !j->keep_user, why, len)) {
		dprintf(2, "kcheck: %s\n", why);
		jail_exit(KC_ERROR);
	}
	return 0;
}

int kc_jail_available(char *why, size_t len)
{
	static int known = -2;
	static char said[300];

	if (known == -2) {
		int st = 0, p[2];

		if (pipe(p)) {
			snprintf(why, len, "pipe: %s", strerror(errno));
			return -1;
		}
		pid_t pid = fork();

		if (pid == 0) {
			char w[300];
			int r = geteuid() == 0 ? unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET)
					       : unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
							 CLONE_NEWNET);

			if (r) {
				snprintf(w, sizeof(w), "the kernel refuses the namespaces a jail needs (%s%s)",
					 strerror(errno), geteuid() ? "; unprivileged user namespaces off?" : "");
				if (write(p[1], w, strlen(w)) < 0)
					jail_exit(2);
				jail_exit(1);
			}
			jail_exit(0);
		}
		close(p[1]);
		ssize_t n = pid > 0 ? read(p[0], said, sizeof(said) - 1) : -1;

		close(p[0]);
		said[n > 0 ? n : 0] = 0;
		if (pid > 0)
			waitpid(pid, &st, 0);
		known = pid > 0 && WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
		if (known && !said[0])
			snprintf(said, sizeof(said), "a process to try the namespaces in could not run");
	}
	if (known)
		snprintf(why, len, "%s", said);
	return known;
}
