// SPDX-License-Identifier: MIT
/*
 * What mthpsim does, as library calls: kcheck a kernel source file
 * against the model, then play one of ktest's built-in cases on the
 * running kernel and hold it to the model - no mthpsim involved.
 *
 * Build against the installed libraries:
 *   cc tools.c $(pkg-config --cflags --libs mthpcollapse-tools) \
 *      -Wl,-rpath,$(pkg-config --variable=libdir mthpcollapse)
 * Run: ./tools KHUGEPAGED.C [CASE]   (CASE of the MADV_COLLAPSE suite;
 *      default "full")
 *
 * kcheck here is quick: 256 of the small tables and 20 random tables on
 * x86_64 only. Its compiler messages go to standard error. The ktest
 * part needs THP built into the running kernel; it changes no setting.
 * Exit status: 0 when both agree with the model, 1 when something
 * differs, 2 when something could not be checked.
 */
#include <stdio.h>
#include <string.h>

#include <mthpcollapse/sim.h>
#include <run.h>
#include <ktest.h>

static int kcheck(const char *file)
{
	static struct kc_report r;
	const char *geos[] = { "x86_64" };
	struct kc_options o;

	kc_options_init(&o);
	o.source = file;
	o.bitmaps = 256;
	o.random = 20;
	o.geometries = geos;
	o.ngeometries = 1;
	o.msg = stderr;
	int status = kc_check(&o, &r);

	if (status == KC_BAD_INPUT || status == KC_ERROR) {
		fprintf(stderr, "kcheck %s: %s\n", file, r.why[0] ? r.why : "see above");
		kc_report_free(&r);
		return 2;
	}
	if (r.engine_done)
		printf("kcheck %s: mthp_collapse(): %lu cases, %lu differ (model %s)\n",
		       file, r.k->cases, r.k->differ, mthp_model_name(r.k->b.model));
	if (r.scan_done)
		printf("kcheck %s: %s(): %lu scenarios, %lu differ (model %s)\n", file,
		       r.scan_function, r.sc->cases, r.sc->differ,
		       mthp_model_name(r.scan_model));
	kc_report_free(&r);
	return status == KC_OK ? 0 : 1;
}

static int ktest(const char *name)
{
	static const char *const verdicts[] = { "AGREE", "DIFFER", "SKIP" };
	struct mthp_geometry live;
	struct mthp_parse_error e;
	static struct kt_case c;
	static struct kt_play p;
	char seen[300];
	size_t n, i = 0;
	const struct kt_builtin *suite = kt_suite(false, &n);

	if (mthp_live_geometry(NULL, &live, &e)) {
		fprintf(stderr, "ktest: this machine's THP geometry: %s\n", e.msg);
		return 2;
	}
	while (i < n && strcmp(suite[i].name, name))
		i++;
	if (i == n || kt_builtin_case(&suite[i], &live, &c)) {
		fprintf(stderr, "ktest: no built-in case %s\n", name);
		return 2;
	}
	enum mthp_model m = kt_kernel_model(seen, sizeof(seen));

	if (kt_play(&c, m, &live, kt_have_swap(), false, &p)) {
		fprintf(stderr, "ktest: out of memory\n");
		return 2;
	}
	printf("ktest %s on %s (model %s: %s): %s", name, live.name, mthp_model_name(m),
	       seen, verdicts[p.verdict]);
	if (p.verdict == KT_SKIP)
		printf(" - %s\n", p.why);
	else
		printf(" - kernel %s (%s), model %s (%s)\n",
		       p.kernel.collapsed ? "PMD-mapped" : "not collapsed",
		       kt_errno_name(p.kernel.err),
		       p.model.collapsed ? "PMD-mapped" : "not collapsed",
		       kt_errno_name(p.model.err));
	mthp_scenario_free(&c.s);
	return p.verdict == KT_DIFFER ? 1 : p.verdict == KT_SKIP ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s KHUGEPAGED.C [CASE]\n", argv[0]);
		return 2;
	}
	int a = kcheck(argv[1]), b = ktest(argc > 2 ? argv[2] : "full");

	return a > b ? a : b;
}
