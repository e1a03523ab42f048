// SPDX-License-Identifier: MIT
/*
 * mthpsim ktest: plays scenarios on the running kernel and holds what it
 * does to the model. Each scenario's table is laid out in a child process
 * (ktest-build.c), read back through pagemap and kpageflags, collapsed
 * with MADV_COLLAPSE, read again, and compared with the model run on the
 * same table in the same mode: which ranges collapsed and, for
 * MADV_COLLAPSE, the errno through the kernel's mapping of results.
 */
#define _GNU_SOURCE /* asprintf() */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "kernel-files.h"
#include "json.h"
#include "ktest.h"
#include "guest.h"
#include "mthpcollapse/space.h"

static const char ktest_usage[] =
"usage: mthpsim ktest [SCENARIO...] [--khugepaged] [--model M] [--case NAME]... [--keep]\n"
"                     [--wait] [--json] [--list]\n"
"       mthpsim ktest --kernel IMAGE [--modules DIR] [SCENARIO...] [--madvise|--khugepaged\n"
"                     [--case NAME]...] [--model M] [--accel kvm|tcg] [--timeout S] [--json]\n"
"       mthpsim ktest --restore [--wait]\n"
"\n"
"Plays scenarios on the running kernel and compares what it does with the\n"
"model. Each table is built in a child process of this one (present pages\n"
"written, zero pages read, shared pages kept by a forked holder, a PMD\n"
"mapping made by MADV_COLLAPSE), read back from /proc/PID/pagemap and\n"
"/proc/kpageflags, then collapsed with MADV_COLLAPSE. With no SCENARIO the\n"
"built-in suite runs. No setting of the machine is changed.\n"
"\n"
"  --khugepaged  let khugepaged collapse instead: for each scenario its\n"
"              settings are written to /sys/kernel/mm/transparent_hugepage\n"
"              (max_ptes_*, enabled, hugepages-*/enabled, and a short\n"
"              scan_sleep_millisecs), and ktest waits for two full scans.\n"
"              Every value is recorded first in a restore file and put\n"
"              back at the end, on SIGINT/SIGTERM/SIGHUP/SIGQUIT, or by\n"
"              the next ktest after a crash\n"
"  --restore   only put back what an interrupted run left in the restore\n"
"              file ($MTHPSIM_KTEST_RESTORE, else /run/mthpsim-ktest.restore)\n"
"  --wait      when another ktest run holds the machine (its lock, the\n"
"              restore file's name and .lock), wait for it; without\n"
"              --wait ktest refuses and names its PID\n"
"  --model M   the model to hold the kernel to (default: baseline on a\n"
"              kernel without the mTHP collapse series, latest with it)\n"
"  --keep      leave the process of each DIFFER case running, holding its\n"
"              range, and say its PID, for a look at /proc/PID/smaps\n"
"  --json      the report as JSON\n"
"  --list      list the built-in suite and exit\n"
"  --case NAME play this case of the built-in suite only (repeatable; with\n"
"              --kernel, of the suite --madvise or --khugepaged names)\n"
"  --kernel IMAGE  boot IMAGE (an x86 bzImage, an arm64 Image, a ppc64le\n"
"              vmlinux) under QEMU and play the suites inside it, both\n"
"              (MADV_COLLAPSE, then khugepaged) unless --madvise or\n"
"              --khugepaged names one; the host's settings are not touched.\n"
"              KVM when it works, else TCG; a guest that does not boot,\n"
"              panics or hangs is booted once more\n"
"  --modules DIR  the image's modules (lib/modules/RELEASE), for the swap\n"
"              device (zram); default: beside the image\n"
"  --madvise   with --kernel: the MADV_COLLAPSE suite\n"
"  --accel A   with --kernel: kvm or tcg (default: kvm when it works)\n"
"  --timeout S with --kernel: seconds a boot may take, suites included\n"
"              (default 600)\n"
"\n"
"Each scenario is AGREE, DIFFER (both outcomes drawn) or SKIP (with the\n"
"reason). Exit 0 when nothing differs, 1 when something does, 2 when\n"
"ktest cannot run here (it says why).\n";

/* ---- the machine ---- */

static void ktest_waiting(long pid, const char *path)
{
	fprintf(stderr, "ktest: waiting for the ktest run with PID %ld (%s)\n", pid, path);
}

/* The machine's ktest lock, or exit 2 saying who holds it. */
static void ktest_lock(bool wait)
{
	char why[600];

	if (kt_lock(wait, ktest_waiting, why, sizeof(why)))
		errx(EXIT_INPUT, "%s", why);
}

/* What an earlier run left changed, put back: how many settings. */
static int ktest_restore(void)
{
	char why[600];
	int put = kt_restore_pending(why, sizeof(why));

	if (put < 0)
		errx(put == -KT_EXIT_INPUT ? EXIT_INPUT : 1, "%s", why);
	if (why[0])
		warnx("%s", why);
	return put;
}

static void ktest_guard_begin(void)
{
	char why[600];

	if (kt_guard_begin(why, sizeof(why)))
		errx(EXIT_INPUT, "%s", why);
}

/* ---- one case ---- */

static bool ktest_keep;
/* --case names, for a guest's run */
static const char *const *ktest_cases;
static size_t ktest_ncases;
static const char *const ktest_verdict_names[] = { "AGREE", "DIFFER", "SKIP" };

struct tally {
	unsigned int n[3];
};

static void draw_after(const struct kt_case *c, const char *who,
		       const struct kt_outcome *o)
{
	struct mthp_range pmd = { 0, c->s.geometry.pmd_order };

	printf("    %s:\n", who);
	if (c->khugepaged)
		cli_draw_scenario(stdout, &c->s, o->ranges, o->nranges);
	else
		cli_draw_scenario(stdout, &c->s, &pmd, o->collapsed ? 1 : 0);
}

/* "(0,9)", "(0,7) (128,7)", "nothing" */
static void format_ranges(char *buf, size_t len, const struct kt_outcome *o)
{
	size_t at = 0;

	buf[0] = 0;
	for (size_t i = 0; i < o->nranges && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s(%u,%u)", i ? " " : "",
				       o->ranges[i].offset, o->ranges[i].order);
	if (!o->nranges)
		snprintf(buf, len, "nothing");
}

/* One case's result as a JSON object. */
static void json_case_result(struct json *j, const struct kt_case *c,
			     const struct kt_play *p)
{
	const struct kt_outcome *side[2] = { &p->kernel, &p->model };

	json_begin_object(j);
	json_kstring(j, "name", c->name);
	if (c->about)
		json_kstring(j, "about", c->about);
	json_kstring(j, "verdict", ktest_verdict_names[p->verdict]);
	if (p->verdict == KT_SKIP) {
		json_kstring(j, "reason", p->why);
		json_kstring(j, "cause", p->cause);
		json_end_object(j);
		return;
	}
	for (int w = 0; w < 2; w++) {
		json_key(j, w ? "model" : "kernel");
		json_begin_object(j);
		json_kbool(j, "pmd_mapped", side[w]->collapsed);
		if (c->khugepaged) {
			json_key(j, "collapsed");
			json_begin_array(j);
			for (size_t i = 0; i < side[w]->nranges; i++) {
				json_begin_object(j);
				json_kuint(j, "offset", side[w]->ranges[i].offset);
				json_kuint(j, "order", side[w]->ranges[i].order);
				json_end_object(j);
			}
			json_end_array(j);
		} else {
			json_kstring(j, "errno", kt_errno_name(side[w]->err));
		}
		json_key(j, "thp_collapse_alloc");
		json_int(j, side[w]->vm_alloc);
		json_key(j, "thp_collapse_alloc_failed");
		json_int(j, side[w]->vm_failed);
		if (w)
			json_kstring(j, "result", mthp_scan_result_name(p->model.result));
		json_end_object(j);
	}
	json_end_object(j);
}

/* One case's result as a line, and both tables when they differ. */
static void print_case_result(const struct kt_case *c, const struct kt_play *p)
{
	const struct kt_outcome *k = &p->kernel, *mo = &p->model;
	const char *v = ktest_verdict_names[p->verdict];

	if (p->verdict == KT_SKIP) {
		printf("SKIP    %-18s %s\n", c->name, p->why);
		return;
	}
	if (c->khugepaged) {
		char kr[128], mr[128];

		format_ranges(kr, sizeof(kr), k);
		format_ranges(mr, sizeof(mr), mo);
		printf("%-7s %-18s kernel collapsed %s; model %s (%s)\n", v, c->name, kr, mr,
		       mthp_scan_result_name(mo->result));
	} else {
		printf("%-7s %-18s kernel: %s, MADV_COLLAPSE %s; model: %s, %s (%s)\n",
		       v, c->name,
		       k->collapsed ? "PMD-mapped" : "not collapsed", kt_errno_name(k->err),
		       mo->collapsed ? "PMD-mapped" : "not collapsed",
		       mthp_scan_result_name(mo->result), kt_errno_name(mo->err));
	}
	if (p->verdict == KT_DIFFER) {
		printf("    the table:\n");
		cli_draw_scenario(stdout, &c->s, NULL, 0);
		draw_after(c, "the kernel collapsed", k);
		draw_after(c, "the model collapsed", mo);
	}
}

static enum kt_verdict play(const struct kt_case *c, enum mthp_model m,
			    const struct mthp_geometry *live, bool swap,
			    struct json *j, struct tally *t)
{
	static struct kt_play p;

	if (kt_play(c, m, live, swap, ktest_keep, &p))
		errx(1, "ktest: %s: out of memory", c->name);
	if (p.kept)
		fprintf(stderr, "ktest: %s: process %ld keeps the range at 0x%lx for inspection (kill %ld to end it)\n",
			c->name, (long)p.kept, p.kept_addr, (long)p.kept);
	t->n[p.verdict]++;
	if (j)
		json_case_result(j, c, &p);
	else
		print_case_result(c, &p);
	return p.verdict;
}
/* ---- ktest in a guest ---- */

static void guest_progress(void *ctx, const char *what)
{
	(void)ctx;
	fprintf(stderr, "ktest: the guest plays the %.*s suite\n", (int)strcspn(what, "\r\n"), what);
}

/* "agree": N and the others from a guest's JSON totals, added to t. */
static void add_totals(const char *json, unsigned int t[3])
{
	static const char *const keys[] = { "\"agree\": ", "\"differ\": ", "\"skip\": " };
	const char *tot = strstr(json, "\"totals\"");

	for (int i = 0; tot && i < 3; i++) {
		const char *p = strstr(tot, keys[i]);

		if (p)
			t[i] += (unsigned int)strtoul(p + strlen(keys[i]), NULL, 10);
	}
}

/* "47 agree, 2 differ, 0 skipped" of a guest's text report, added to t. */
static void add_text_totals(const char *out, unsigned int t[3])
{
	const char *last = NULL;

	for (const char *p = strstr(out, " agree, "); p; p = strstr(p + 1, " agree, "))
		last = p;
	if (!last)
		return;
	while (last > out && last[-1] >= '0' && last[-1] <= '9')
		last--;
	unsigned int a, d, k;

	if (sscanf(last, "%u agree, %u differ, %u skipped", &a, &d, &k) == 3) {
		t[0] += a;
		t[1] += d;
		t[2] += k;
	}
}

static void on_guest_signal(int sig)
{
	(void)sig;
	kt_guest_interrupt();
}

/*
 * What runs in a guest of arch: this mthpsim and the machine's busybox
 * for its own architecture; for another, the static mthpsim built for it
 * (guest/ of the build tree, or where it is installed; $MTHPSIM_GUEST_DIR
 * first) and a static busybox for it ($MTHPSIM_BUSYBOX_ARM64,
 * $MTHPSIM_BUSYBOX_PPC64LE, else busybox-ARCH beside that mthpsim). Each
 * is checked to be an executable for arch. 0, or -1 having said why.
 */
static int guest_programs(enum kt_arch arch, char *self, size_t slen, char *bb,
			  size_t blen)
{
	bool native = arch == kt_host_arch();
	const char *name = kt_arch_name(arch);
	char why[700];

	if (native) {
		ssize_t n = readlink("/proc/self/exe", self, slen - 1);
		const char *b = getenv("MTHPSIM_BUSYBOX");

		if (n < 0)
			err(1, "ktest: /proc/self/exe");
		self[n] = 0;
		snprintf(bb, blen, "%s", b && *b ? b : "/bin/busybox");
		if (access(bb, X_OK)) {
			warnx("ktest --kernel: %s: %s (the guest's shell: apt-get install busybox-static, or set MTHPSIM_BUSYBOX)",
			      bb, strerror(errno));
			return -1;
		}
		return 0;
	}
	const char *env = getenv("MTHPSIM_GUEST_DIR");
	const char *dirs[] = { env && *env ? env : NULL, MTHP_GUEST_BUILT, MTHP_GUEST_INSTALLED };
	char var[64];

	self[0] = 0;
	for (size_t i = 0; i < 3 && !self[0]; i++) {
		char p[4096];

		if (!dirs[i])
			continue;
		snprintf(p, sizeof(p), "%s/mthpsim-%s", dirs[i], name);
		if (!access(p, X_OK) || i == 0)
			snprintf(self, slen, "%s", p);
	}
	if (!self[0] || access(self, X_OK)) {
		warnx("ktest --kernel: the image is a %s kernel, and no mthpsim for %s was built (%s/mthpsim-%s): install the cross compiler (apt-get install %s) and build again, or set MTHPSIM_GUEST_DIR",
		      name, name, self[0] ? dirs[0] : MTHP_GUEST_BUILT, name,
		      arch == KT_ARCH_ARM64 ? "gcc-aarch64-linux-gnu" : "gcc-powerpc64le-linux-gnu");
		return -1;
	}
	snprintf(var, sizeof(var), "MTHPSIM_BUSYBOX_%s", arch == KT_ARCH_ARM64 ? "ARM64" : "PPC64LE");
	const char *b = getenv(var);

	if (b && *b) {
		snprintf(bb, blen, "%s", b);
	} else {
		snprintf(bb, blen, "%s", self);
		snprintf(strrchr(bb, '/') + 1, blen - (size_t)(strrchr(bb, '/') + 1 - bb),
			 "busybox-%s", name);
	}
	if (access(bb, X_OK)) {
		warnx("ktest --kernel: %s: %s (a static busybox for %s: the busybox-static package of that architecture, e.g. dpkg-deb -x busybox-static_*_%s.deb; set %s)",
		      bb, strerror(errno), name, arch == KT_ARCH_ARM64 ? "arm64" : "ppc64el", var);
		return -1;
	}
	if (kt_elf_for(self, arch, true, why, sizeof(why)) ||
	    kt_elf_for(bb, arch, true, why, sizeof(why))) {
		warnx("ktest --kernel: %s", why);
		return -1;
	}
	return 0;
}

static int ktest_guest(const char *image, const char *modules, const char *accel,
		       unsigned int timeout, bool madvise, bool khugepaged,
		       const char *model, bool json, char **files, size_t nfiles)
{
	char self[4096], bb[4096], why[600];
	struct kt_guest_result r;
	const char *td = getenv("TMPDIR");
	const char *busybox = NULL;
	enum kt_arch arch = kt_image_arch(image, why, sizeof(why));

	if (arch == KT_ARCH_UNKNOWN)
		errx(EXIT_INPUT, "ktest --kernel: %s", why);
	if (guest_programs(arch, self, sizeof(self), bb, sizeof(bb)))
		return EXIT_INPUT;
	busybox = bb;
	if (accel && strcmp(accel, "kvm") && strcmp(accel, "tcg"))
		errx(EXIT_INPUT, "--accel %s: kvm or tcg", accel);
	for (size_t i = 0; i < nfiles; i++) {
		struct mthp_scenario sc;

		/* read and checked here: the guest gets files that parse */
		cli_load_scenario(files[i], NULL, &sc);
		mthp_scenario_free(&sc);
	}
	struct kt_guest_opts o = {
		.image = image, .modules = modules, .self = self, .busybox = busybox,
		.scenarios = (const char *const *)files, .nscenarios = nfiles,
		.madvise = madvise, .khugepaged = khugepaged, .model = model,
		.json = json, .keep = ktest_keep, .timeout = timeout, .accel = accel,
		.cases = ktest_cases, .ncases = ktest_ncases,
		.scratch_parent = td && *td ? td : "/tmp",
		.progress = guest_progress,
	};
	struct sigaction sa = { .sa_handler = on_guest_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fprintf(stderr, "ktest: booting %s under QEMU (the host's THP settings are not touched)\n",
		image);
	int rc = kt_guest_run(&o, &r);

	if (rc) {
		if (r.console_tail)
			fprintf(stderr, "ktest --kernel: the guest's console, its last lines:\n%s\n",
				r.console_tail);
		fprintf(stderr, "%s: ktest --kernel %s: %s%s\n", getprogname(), image, r.why,
			r.boots > 1 ? " (booted twice)" : "");
		kt_guest_result_free(&r);
		return EXIT_INPUT;
	}
	unsigned int t[3] = { 0, 0, 0 };
	int status = 0;

	for (size_t i = 0; i < r.nsuites; i++) {
		if (json)
			add_totals(r.suites[i].out, t);
		else
			add_text_totals(r.suites[i].out, t);
		if (r.suites[i].status > status)
			status = r.suites[i].status;
	}
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_object(&j);
		json_kstring(&j, "command", "ktest");
		json_key(&j, "kernel");
		json_begin_object(&j);
		json_kstring(&j, "image", image);
		json_kstring(&j, "release", r.release);
		json_kstring(&j, "arch", kt_arch_name(r.arch));
		json_kstring(&j, "accel", r.accel);
		json_kstring(&j, "machine", r.machine);
		json_kstring(&j, "swap", r.swap);
		json_kuint(&j, "boots", r.boots);
		json_kuint(&j, "seconds", (unsigned long long)(r.seconds + 0.5));
		json_end_object(&j);
		json_key(&j, "suites");
		json_begin_array(&j);
		for (size_t i = 0; i < r.nsuites; i++) {
			const char *o2 = r.suites[i].out;

			if (*o2 == '{')
				json_raw(&j, o2);
			else {
				/* the guest said why it could not run */
				json_begin_object(&j);
				json_kstring(&j, "suite", r.suites[i].name);
				json_kstring(&j, "error", r.suites[i].err);
				json_kuint(&j, "status", (unsigned long long)r.suites[i].status);
				json_end_object(&j);
			}
		}
		json_end_array(&j);
		json_key(&j, "totals");
		json_begin_object(&j);
		json_kuint(&j, "agree", t[0]);
		json_kuint(&j, "differ", t[1]);
		json_kuint(&j, "skip", t[2]);
		json_end_object(&j);
		json_end_object(&j);
	} else {
		printf("ktest: Linux %s in a guest (%s; %s; swap %s), %u boot%s, %.0f s\n\n",
		       r.release, kt_arch_name(r.arch), r.machine,
		       r.swap[0] ? r.swap : "none", r.boots, r.boots == 1 ? "" : "s",
		       r.seconds);
		for (size_t i = 0; i < r.nsuites; i++)
			printf("%s%s\n", i ? "\n" : "", r.suites[i].out);
		if (r.nsuites > 1)
			printf("\nin all: %u agree, %u differ, %u skipped\n", t[0], t[1], t[2]);
	}
	fflush(stdout);
	for (size_t i = 0; i < r.nsuites; i++)
		if (*r.suites[i].err)
			fprintf(stderr, "%s\n", r.suites[i].err);
	if (r.command_out)
		fprintf(stderr, "ktest: $MTHPSIM_GUEST_COMMAND in the guest printed:\n%s\n",
			r.command_out);
	if (!r.nsuites) {
		fprintf(stderr, "%s: ktest --kernel: the guest ran no suite\n", getprogname());
		status = EXIT_INPUT;
	}
	kt_guest_result_free(&r);
	return status;
}

int cmd_ktest(int argc, char **argv)
{
	enum { O_LIST = O_OWN, O_KHUGEPAGED, O_RESTORE, O_KEEP, O_KERNEL, O_MODULES,
	       O_MADVISE, O_ACCEL, O_TIMEOUT, O_CASE, O_WAIT };
	static const struct option longopts[] = {
		{ "case", required_argument, NULL, O_CASE },
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "modules", required_argument, NULL, O_MODULES },
		{ "madvise", no_argument, NULL, O_MADVISE },
		{ "accel", required_argument, NULL, O_ACCEL },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "khugepaged", no_argument, NULL, O_KHUGEPAGED },
		{ "restore", no_argument, NULL, O_RESTORE },
		{ "wait", no_argument, NULL, O_WAIT },
		{ "model", required_argument, NULL, O_MODEL },
		{ "json", no_argument, NULL, O_JSON },
		{ "list", no_argument, NULL, O_LIST },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, list = false, model_set = false, khugepaged = false,
	     restore = false, madvise = false, wait = false;
	enum mthp_model model = MTHP_MODEL_BASELINE;
	const char *kernel = NULL, *modules = NULL, *accel = NULL, *model_name = NULL;
	unsigned int timeout = 600;
	const char *case_names[64];
	size_t ncase_names = 0;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_MODEL:
			model = cli_model("--model", optarg);
			model_name = optarg;
			model_set = true;
			break;
		case O_CASE:
			if (ncase_names == 64)
				errx(EXIT_INPUT, "--case: at most 64");
			case_names[ncase_names++] = optarg;
			break;
		case O_KERNEL: kernel = optarg; break;
		case O_MODULES: modules = optarg; break;
		case O_MADVISE: madvise = true; break;
		case O_ACCEL: accel = optarg; break;
		case O_TIMEOUT: timeout = cli_uint("--timeout", optarg, 86400); break;
		case O_JSON: json = true; break;
		case O_LIST: list = true; break;
		case O_KHUGEPAGED: khugepaged = true; break;
		case O_RESTORE: restore = true; break;
		case O_WAIT: wait = true; break;
		case O_KEEP: ktest_keep = true; break;
		case 'h':
		case O_HELP:
			printf("%s", ktest_usage);
			return 0;
		default:
			fprintf(stderr, "%s", ktest_usage);
			return EXIT_INPUT;
		}
	}
	if (kernel) {
		if (ncase_names && madvise == khugepaged)
			errx(EXIT_INPUT, "ktest --kernel --case: name the suite it is in (--madvise or --khugepaged)");
		for (size_t k = 0; k < ncase_names; k++) {
			size_t n, i = 0;
			const struct kt_builtin *b = kt_suite(khugepaged, &n);

			while (i < n && strcmp(b[i].name, case_names[k]))
				i++;
			if (i == n)
				errx(EXIT_INPUT, "--case %s: the %s suite has no such case (--list names them)",
				     case_names[k], khugepaged ? "khugepaged" : "MADV_COLLAPSE");
		}
		if (ncase_names && optind < argc)
			errx(EXIT_INPUT, "ktest: --case names a built-in case; give it or files, not both");
		ktest_cases = case_names;
		ktest_ncases = ncase_names;
		if (list || restore)
			errx(EXIT_INPUT, "ktest --kernel: --%s is for the running kernel",
			     list ? "list" : "restore");
		if (!timeout)
			errx(EXIT_INPUT, "--timeout 0: a boot needs at least one second");
		return ktest_guest(kernel, modules, accel, timeout, madvise, khugepaged,
				   model_name, json, argv + optind, (size_t)(argc - optind));
	}
	if (modules || accel || madvise)
		errx(EXIT_INPUT, "ktest: --%s goes with --kernel",
		     modules ? "modules" : accel ? "accel" : "madvise");
	size_t bn;
	const struct kt_builtin *bsuite = kt_suite(khugepaged, &bn);

	if (list) {
		for (size_t i = 0; i < bn; i++)
			printf("%-18s %s\n", bsuite[i].name, bsuite[i].about);
		return 0;
	}
	if (restore) {
		if (optind < argc)
			errx(EXIT_INPUT, "ktest --restore takes no scenario");
		/* never under a live run: its restore file is its own */
		ktest_lock(wait);
		int put = ktest_restore();

		if (!put)
			printf("ktest: nothing to restore (%s does not exist)\n", kt_restore_file());
		else
			printf("ktest: THP settings restored from %s\n", kt_restore_file());
		return 0;
	}

	struct mthp_geometry live;
	struct mthp_parse_error e;

	/* one run at a time on the machine; then, if a run died and left
	 * settings changed, they are put back first */
	if (geteuid() == 0) {
		ktest_lock(wait);
		if (ktest_restore() > 0)
			fprintf(stderr, "ktest: restored THP settings from %s (a run that did not end cleanly)\n",
				kt_restore_file());
	}

	if (mthp_live_geometry(NULL, &live, &e))
		errx(EXIT_INPUT, "ktest: this machine's THP geometry: %s (is THP built into the kernel?)",
		     e.msg);
	if (geteuid() != 0)
		errx(EXIT_INPUT, "ktest: needs root: without CAP_SYS_ADMIN /proc/PID/pagemap has no PFNs, so the zero page and folios cannot be read back");
	unsigned long need_kb = 4 * ((unsigned long)live.pmd_nr << live.page_shift >> 10) + 65536;
	unsigned long avail = mthp_proc_kb("/proc/meminfo", "MemAvailable:");

	if (avail < need_kb)
		errx(EXIT_INPUT, "ktest: MemAvailable is %lu kB; a case needs up to %lu kB",
		     avail, need_kb);
	char seen[300];
	enum mthp_model chosen = kt_kernel_model(seen, sizeof(seen));

	if (!model_set)
		model = chosen;

	/* the cases: files as given, else the suite (or its --case ones) */
	if (ncase_names && optind < argc)
		errx(EXIT_INPUT, "ktest: --case names a built-in case; give it or files, not both");
	for (size_t k = 0; k < ncase_names; k++) {
		bool known = false;

		for (size_t i = 0; i < bn; i++)
			known |= !strcmp(bsuite[i].name, case_names[k]);
		if (!known)
			errx(EXIT_INPUT, "--case %s: the %s suite has no such case (--list names them)",
			     case_names[k], khugepaged ? "khugepaged" : "MADV_COLLAPSE");
	}
	size_t n = optind < argc ? (size_t)(argc - optind) : bn;
	struct kt_case *cases = calloc(n, sizeof(*cases));

	if (!cases)
		err(1, "calloc");
	size_t nc = 0;

	for (size_t i = 0; i < n; i++) {
		if (optind < argc) {
			cli_load_scenario(argv[optind + i], NULL, &cases[nc].s);
			snprintf(cases[nc].name, sizeof(cases[nc].name), "%s",
				 cli_input_name(argv[optind + i]));
		} else {
			bool wanted = !ncase_names;

			for (size_t k = 0; k < ncase_names; k++)
				wanted |= !strcmp(bsuite[i].name, case_names[k]);
			if (!wanted)
				continue;
			if (kt_builtin_case(&bsuite[i], &live, &cases[nc]))
				errx(1, "internal error: built-in case %s", bsuite[i].name);
		}
		cases[nc++].khugepaged = khugepaged;
	}
	n = nc;

	bool swap = kt_have_swap();
	struct json jj, *j = NULL;
	struct tally t = { { 0 } };

	if (json) {
		j = &jj;
		json_init(j, stdout);
		json_begin_object(j);
		json_kstring(j, "command", "ktest");
		json_kstring(j, "mode", khugepaged ? "khugepaged" : "madvise");
		json_kstring(j, "model", mthp_model_name(model));
		json_kstring(j, "model_because", model_set ? "--model" : seen);
		struct utsname un;

		json_kstring(j, "release", uname(&un) ? "?" : un.release);
		json_kstring(j, "geometry", live.name);
		json_key(j, "cases");
		json_begin_array(j);
	} else {
		printf("ktest: %s on %zu scenario%s, geometry %s, model %s (%s)\n\n",
		       khugepaged ? "khugepaged" : "MADV_COLLAPSE", n,
		       n == 1 ? "" : "s", live.name, mthp_model_name(model),
		       model_set ? "--model" : seen);
	}
	pid_t pacer = 0;
	bool folios = false;

	for (size_t i = 0; i < n; i++)
		folios |= kt_folio_order(&cases[i].s) != 0;
	if (!khugepaged && folios) {
		fprintf(stderr, "ktest: setting hugepages-<size>kB/enabled for the moment folios are faulted; the values are recorded in %s and put back\n",
			kt_restore_file());
		ktest_guard_begin();
	}
	if (khugepaged) {
		fprintf(stderr, "ktest: changing THP settings under /sys/kernel/mm/transparent_hugepage for the run; they are recorded in %s and put back at the end\n",
			kt_restore_file());
		ktest_guard_begin();
		/* registered under the settings as they were, or as the
		 * first case sets them: enabled madvise or always */
		kt_set("enabled", "always");
		pacer = kt_pacer(&live);
		usleep(100000);
	}
	for (size_t i = 0; i < n; i++) {
		play(&cases[i], model, &live, swap, j, &t);
		mthp_scenario_free(&cases[i].s);
		fflush(stdout);
	}
	free(cases);
	if (pacer > 0) {
		kill(pacer, SIGKILL);
		waitpid(pacer, NULL, 0);
	}
	if (khugepaged || folios)
		kt_guard_end();
	if (j) {
		json_end_array(j);
		json_key(j, "totals");
		json_begin_object(j);
		json_kuint(j, "agree", t.n[KT_AGREE]);
		json_kuint(j, "differ", t.n[KT_DIFFER]);
		json_kuint(j, "skip", t.n[KT_SKIP]);
		json_end_object(j);
		json_end_object(j);
	} else {
		printf("\n%u agree, %u differ, %u skipped\n", t.n[KT_AGREE],
		       t.n[KT_DIFFER], t.n[KT_SKIP]);
	}
	return t.n[KT_DIFFER] ? 1 : 0;
}
