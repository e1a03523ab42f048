// SPDX-License-Identifier: MIT
/*
 * Turning an extracted function into a loadable object: the translation
 * unit (the kernel environment header, the file's items with #line so the
 * compiler speaks of the file's own lines, a stub collapse_huge_page()
 * with the file's own signature, and an entry point kcheck calls), the
 * system compiler, and the errors it gives, turned into "FILE:LINE:COL:
 * NAME is not in the environment" where an identifier is missing.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kcheck.h"

static const char *const stubbed[] = { "collapse_huge_page", NULL };
/* the scan's stubs: the PMD lookup answers from the case */
static const char *const scan_stubbed[] = { "collapse_huge_page",
					    "find_pmd_or_thp_or_none", NULL };
/* trace points the environment records rather than drops */
static const char *const recorded[] = { "trace_mm_khugepaged_scan_pmd", NULL };


volatile sig_atomic_t kc_interrupted;

static void out(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
}

/* A #line marker; the name is a C string, so quotes and backslashes in
 * it are escaped. */
static void line_marker(FILE *f, unsigned int line, const char *name)
{
	out(f, "#line %u \"", line);
	for (const char *p = name; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', f);
		if (*p != '\n')
			fputc(*p, f);
	}
	out(f, "\"\n");
}

static bool item_defines(const struct kc_item *it, const char *name)
{
	for (size_t k = 0; k < it->ndefines; k++)
		if (!strcmp(it->defines[k], name))
			return true;
	return false;
}

/* The item's text, with a #line marker and #undefs for the names it
 * defines, so the file's definitions win over the environment's; inside
 * the #if groups it sits in, so the compiler picks the branch (a
 * function defined under #ifdef CONFIG_NUMA and again under #else is
 * compiled once, as the kernel would be without NUMA). */
static void emit_item(FILE *f, const struct kc_file *kf,
		      const struct kc_item *it)
{
	for (size_t c = 0; c < it->nconds; c++) {
		const struct kc_group *g = &kf->groups[it->conds[c].group];

		for (size_t b = 0; b <= it->conds[c].branch && b < g->n; b++) {
			line_marker(f, g->line[b], g->path[b] ? g->path[b] : kf->path);
			fwrite(kf->text + g->start[b], 1, g->end[b] - g->start[b], f);
			fputc('\n', f);
		}
	}
	for (size_t k = 0; k < it->ndefines; k++)
		if (!strchr(it->defines[k], ' ') &&
		    (it->kind == KC_DEFINE || it->kind == KC_FUNCTION ||
		     it->kind == KC_PROTO))
			out(f, "#undef %s\n", it->defines[k]);
	line_marker(f, it->line, it->path ? it->path : kf->path);
	/* directives start at column 1; other items where they are */
	fwrite(kf->text + it->start, 1, it->end - it->start, f);
	fputc('\n', f);
	for (size_t c = 0; c < it->nconds; c++)
		out(f, "#endif\n");
}

static void add_input(struct kc_unit *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void add_input(struct kc_unit *u, const char *fmt, ...)
{
	va_list ap;

	if (u->ninputs == sizeof(u->inputs) / sizeof(u->inputs[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(u->inputs[u->ninputs++], sizeof(u->inputs[0]), fmt, ap);
	va_end(ap);
}

/* What a parameter's value expression (param_for()) is, in words. */
static const char *param_words(const char *v)
{
	static const struct {
		const char *expr, *words;
	} w[] = {
		{ "&kc_mm", "an empty struct mm_struct" },
		{ "&kc_vma", "a VMA whose userfaultfd_armed() is the case's uffd" },
		{ "KC_BASE", "the PMD range's address (64 PMD sizes)" },
		{ "c->referenced", "HPAGE_PMD_NR (every page young)" },
		{ "c->unmapped", "the case's swapped-out PTEs" },
		{ "&kc_cc", "kcheck's struct collapse_control" },
		{ "&kc_locked", "a bool, true" },
		{ "c->orders", "the case's enabled orders" },
		{ "kc_scan_referenced", "the referenced PTEs the scan passed" },
	};

	for (size_t i = 0; v && i < sizeof(w) / sizeof(w[0]); i++)
		if (!strcmp(v, w[i].expr))
			return w[i].words;
	return v ? v : "?";
}

/* A trace point the code calls and the file does not define: the
 * kernel's come from a generated header, which kcheck does not have. */
static bool is_trace_point(const struct kc_file *kf, const char *name)
{
	for (size_t i = 0; recorded[i]; i++)
		if (!strcmp(name, recorded[i]))
			return false;
	return !strncmp(name, "trace_", 6) && name[6] && !kc_find(kf, name, -1);
}

static void add_stub(struct kc_unit *u, const char *name)
{
	for (size_t i = 0; i < u->nstubs; i++)
		if (!strcmp(u->stubs[i], name))
			return;
	if (u->nstubs < sizeof(u->stubs) / sizeof(u->stubs[0]))
		snprintf(u->stubs[u->nstubs++], sizeof(u->stubs[0]), "%s", name);
}

/* A return type without its storage class and inline words, for a cast. */
static const char *bare_type(const char *t)
{
	static char buf[128];
	static const char *const drop[] = { "static ", "inline ", "__always_inline ",
					    "noinline ", "extern " };

	snprintf(buf, sizeof(buf), "%s", t);
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++) {
			size_t l = strlen(drop[i]);

			if (!strncmp(buf, drop[i], l)) {
				memmove(buf, buf + l, strlen(buf + l) + 1);
				again = true;
			}
		}
	}
	return buf;
}

static const char *param_for(const struct kc_param *p, bool *known)
{
	static const struct {
		const char *name, *type, *value;
	} map[] = {
		{ "mm", "struct mm_struct *", "&kc_mm" },
		{ "vma", "struct vm_area_struct *", "&kc_vma" },
		{ "address", NULL, "KC_BASE" },
		{ "addr", NULL, "KC_BASE" },
		{ "start_addr", NULL, "KC_BASE" },
		{ "referenced", NULL, "c->referenced" },
		{ "unmapped", NULL, "c->unmapped" },
		{ "cc", "struct collapse_control *", "&kc_cc" },
		{ "mmap_locked", "bool *", "&kc_locked" },
		{ "enabled_orders", NULL, "c->orders" },
		{ "orders", NULL, "c->orders" },
	};

	*known = true;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(p->name, map[i].name))
			return map[i].value;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].type && !strcmp(p->type, map[i].type))
			return map[i].value;
	*known = false;
	return NULL;
}

/* The bitmap fields of struct collapse_control the scan would fill. */
static size_t bitmap_fields(const struct kc_file *kf, char names[][64],
			    size_t max)
{
	const struct kc_item *cc = kc_find(kf, "struct collapse_control", -1);
	size_t n = 0;

	if (!cc)
		return 0;
	const char *s = kf->text + cc->start, *end = kf->text + cc->end;

	for (const char *p = s; p && p < end && n < max;) {
		p = strstr(p, "DECLARE_BITMAP(");
		if (!p || p >= end)
			break;
		p += strlen("DECLARE_BITMAP(");
		while (*p == ' ')
			p++;
		size_t l = strcspn(p, " ,)");

		/* a mask or a scratch map is the function's own business */
		if (l < 64) {
			memcpy(names[n], p, l);
			names[n][l] = 0;
			if (!strstr(names[n], "mask") && !strstr(names[n], "tmp") &&
			    !strstr(names[n], "temp"))
				n++;
		}
	}
	return n;
}

static bool struct_has_field(const struct kc_file *kf, const char *tag,
			     const char *field)
{
	const struct kc_item *it = kc_find(kf, tag, -1);

	if (!it)
		return false;
	size_t fl = strlen(field);

	for (const char *p = kf->text + it->start; p < kf->text + it->end; p++)
		if (!memcmp(p, field, fl) && (p[fl] == ';' || p[fl] == ' ' ||
					      p[fl] == '[') &&
		    (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '*'))
			return true;
	return false;
}

/* The call of the checked function, each parameter given what kcheck
 * passes, and the words --explain says for each. */
static void emit_call(struct kc_unit *u, FILE *f, const char *function,
		      const struct kc_param *params, size_t np)
{
	for (size_t i = 0; i < np; i++) {
		bool known;

		add_input(u, "parameter %s %s: %s", params[i].type, params[i].name,
			  param_words(param_for(&params[i], &known)));
	}
	out(f, "\tlong r = (long)%s(", function);
	for (size_t i = 0; i < np; i++) {
		bool known;

		out(f, "%s%s", i ? ", " : "", param_for(&params[i], &known));
	}
}

/* What the environment's fakes call (khugepaged.h): the table of the
 * case being run, and its recorders; the same in both kinds of unit. */
static void emit_fake_support(FILE *f)
{
	out(f, "struct kc_scan_case {\n\tconst struct kc_fake_pte *ptes;\n\tint pmd;\n"
	       "\tint khugepaged, uffd;\n\tunsigned long vm_flags;\n"
	       "\tunsigned int max_ptes_none, max_ptes_swap, max_ptes_shared;\n"
	       "\tunsigned long orders;\n"
	       "\tint (*attempt)(void *, unsigned int, unsigned int, int, int);\n"
	       "\tvoid (*vm_event)(void *, int, long);\n"
	       "\tvoid (*mthp_stat)(void *, int, int, long);\n"
	       "\tvoid (*traced)(void *, long, long, long, long);\n"
	       "\tvoid *ctx;\n\tunsigned long *bitmap;\n\tint has_bitmap;\n};\n");
	out(f, "pte_t kc_table[MAX_PTRS_PER_PTE];\nstruct page kc_pages[MAX_PTRS_PER_PTE];\n"
	       "struct folio kc_folios[MAX_PTRS_PER_PTE];\n"
	       "static const struct kc_scan_case *kc_scan;\n");
	out(f, "pte_t *kc_pte_map(unsigned long addr)\n{\n"
	       "\tif (!kc_scan || kc_scan->pmd != 0)\n\t\treturn NULL;\n"
	       "\treturn &kc_table[(addr >> PAGE_SHIFT) & (HPAGE_PMD_NR - 1)];\n}\n");
	out(f, "unsigned long kc_allowable_orders(unsigned long o)\n"
	       "{\n\treturn kc_scan ? kc_scan->orders & o : 0;\n}\n");
	out(f, "void kc_count_vm_event(int item, long n)\n"
	       "{\n\tif (kc_scan)\n\t\tkc_scan->vm_event(kc_scan->ctx, item, n);\n}\n");
	out(f, "void kc_count_mthp_stat(int order, int item, long n)\n"
	       "{\n\tif (kc_scan)\n\t\tkc_scan->mthp_stat(kc_scan->ctx, order, item, n);\n}\n");
	out(f, "void kc_scan_traced(long ref, long none, long st, long unm)\n"
	       "{\n\tif (kc_scan)\n\t\tkc_scan->traced(kc_scan->ctx, ref, none, st, unm);\n}\n");
}

/* A name of the file's enum scan_result, or NULL. */
static const char *result_named(const struct kc_file *kf, const char *const *names)
{
	const struct kc_item *en = kc_find(kf, "enum scan_result", -1);

	for (size_t n = 0; en && names[n]; n++)
		for (size_t k = 1; k < en->ndefines; k++)
			if (!strcmp(en->defines[k], names[n]))
				return names[n];
	return NULL;
}

/* find_pmd_or_thp_or_none(), stubbed with the file's own signature: it
 * answers from the case's PMD and hands out a PMD to pass on. */
static int emit_pmd_stub(struct kc_unit *u, FILE *f, char *err, size_t errlen)
{
	const struct kc_file *kf = &u->file;
	const struct kc_item *it = kc_find(kf, "find_pmd_or_thp_or_none", KC_FUNCTION);
	bool used = false;

	for (size_t i = 0; i < kf->nitems; i++)
		used |= kf->items[i].wanted && kc_item_uses(&kf->items[i], "find_pmd_or_thp_or_none");
	if (!used)
		return 0;
	struct kc_param p[8];
	size_t n;
	char ret[128];
	static const char *const none[] = { "SCAN_NO_PTE_TABLE", "SCAN_PMD_NONE",
					    "SCAN_PMD_NULL", NULL };
	static const char *const mapped[] = { "SCAN_PMD_MAPPED", NULL };
	const char *nn = result_named(kf, none), *mn = result_named(kf, mapped);

	if (!it || kc_signature(kf, it, ret, sizeof(ret), p, 8, &n)) {
		snprintf(err, errlen, "%s: the scan calls find_pmd_or_thp_or_none(), but the file has no definition of it to take the signature from",
			 kf->path);
		return -1;
	}
	if (!nn || !mn) {
		snprintf(err, errlen, "%s:%u: the file's enum scan_result has no %s for find_pmd_or_thp_or_none() to return",
			 kf->path, it->line, !nn ? "SCAN_NO_PTE_TABLE (or SCAN_PMD_NONE)" : "SCAN_PMD_MAPPED");
		return -1;
	}
	const char *out_pmd = NULL;

	for (size_t i = 0; i < n; i++)
		if (strstr(p[i].type, "pmd_t") && strstr(p[i].type, "**"))
			out_pmd = p[i].name;
	size_t hl = kc_header_len(kf, it);
	char *h = strndup(kf->text + it->start, hl);

	if (!h)
		kc_oom();
	out(f, "#line 1 \"<kcheck stub of find_pmd_or_thp_or_none>\"\n%s\n{\n", h);
	free(h);
	for (size_t i = 0; i < n; i++)
		if (!out_pmd || strcmp(p[i].name, out_pmd))
			out(f, "\t(void)%s;\n", p[i].name);
	if (out_pmd)
		out(f, "\tstatic pmd_t kc_pmd;\n\t*%s = &kc_pmd;\n", out_pmd);
	out(f, "\treturn (%s)(kc_scan->pmd == 0 ? SCAN_SUCCEED : kc_scan->pmd == 1 ? %s : %s);\n}\n",
	    bare_type(ret), nn, mn);
	add_stub(u, "find_pmd_or_thp_or_none");
	return 0;
}

static bool env_supplies(const char *name, const void *env)
{
	return kc_env_has(env, name);
}

/* A variable of the file that the checked code uses. */
static bool wanted_variable(const struct kc_file *kf, const char *name)
{
	for (size_t k = 0; k < kf->nitems; k++)
		if (kf->items[k].wanted && kf->items[k].kind == KC_VARIABLE &&
		    item_defines(&kf->items[k], name))
			return true;
	return false;
}

/* Moves *q past blanks to the identifier there: its length (0 when
 * none starts there). */
static size_t word_after_blanks(const char **q)
{
	const char *w = *q;
	size_t l = 0;

	while (*w == ' ' || *w == '\t')
		w++;
	while (w[l] == '_' || (w[l] >= 'a' && w[l] <= 'z') ||
	       (w[l] >= 'A' && w[l] <= 'Z') || (w[l] >= '0' && w[l] <= '9'))
		l++;
	*q = w;
	return l;
}

/* The field of struct collapse_control of type struct collapse_policy
 * ("policy" in the mm tree), into name; false when there is none. */
static bool policy_field(const struct kc_file *kf, char *name, size_t size)
{
	const struct kc_item *cc = kc_find(kf, "struct collapse_control", -1);
	const char *tag = "struct collapse_policy";

	if (!cc)
		return false;
	for (const char *p = kf->text + cc->start; p < kf->text + cc->end; p++) {
		if (strncmp(p, tag, strlen(tag)))
			continue;
		const char *q = p + strlen(tag);
		size_t l = word_after_blanks(&q);

		if (!l || q[l] != ';' || l >= size)
			continue;
		snprintf(name, size, "%.*s", (int)l, q);
		return true;
	}
	return false;
}

/* The file's function that fills a struct collapse_policy for callers of
 * one kind: khugepaged's sets tva_type to TVA_KHUGEPAGED, MADV_COLLAPSE's
 * to TVA_FORCED_COLLAPSE. */
static const char *policy_filler(const struct kc_file *kf, const char *tva)
{
	for (size_t i = 0; i < kf->nitems; i++) {
		const struct kc_item *it = &kf->items[i];
		struct kc_param p[4];
		size_t n;
		char ret[128];

		if (it->kind != KC_FUNCTION || !it->ndefines ||
		    kc_signature(kf, it, ret, sizeof(ret), p, 4, &n) || n != 1 ||
		    !strstr(p[0].type, "struct collapse_policy") ||
		    !strchr(p[0].type, '*') || !kc_item_uses(it, tva))
			continue;
		return it->defines[0];
	}
	return NULL;
}

/* What the file needs to fill cc->policy with: its fillers, marked wanted
 * with what they use. 0; -1 with err when the policy is there and kcheck
 * cannot fill it. */
static int policy_plan(struct kc_unit *u, char *err, size_t errlen)
{
	struct kc_file *kf = &u->file;
	char field[64];

	u->policy_field[0] = u->policy_kh[0] = u->policy_madv[0] = 0;
	if (!policy_field(kf, field, sizeof(field)))
		return 0;
	snprintf(u->policy_field, sizeof(u->policy_field), "%s", field);
	const char *kh = policy_filler(kf, "TVA_KHUGEPAGED");
	const char *md = policy_filler(kf, "TVA_FORCED_COLLAPSE");

	if (kh && md) {
		snprintf(u->policy_kh, sizeof(u->policy_kh), "%s", kh);
		snprintf(u->policy_madv, sizeof(u->policy_madv), "%s", md);
		kc_closure(kf, kh, NULL, env_supplies, u->env);
		kc_closure(kf, md, NULL, env_supplies, u->env);
		return 0;
	}
	/* no fillers: each field by what its name says, as the mm tree's
	 * fillers set it; a field kcheck cannot read the meaning of is an
	 * error, never a guess */
	const struct kc_item *st = kc_find(kf, "struct collapse_policy", -1);
	static const char *const known[] = {
		"max_ptes_none", "max_ptes_swap", "max_ptes_shared", "strict_sub_pmd",
		"skip_lazyfree", "require_referenced", "install_pmd",
		"writeback_dirty", "gfp", "tva_type",
	};
	char *body = st ? strndup(kf->text + st->start, st->end - st->start) : NULL;

	if (!st || !body) {
		free(body);
		snprintf(err, errlen, "%s: struct collapse_control has a struct collapse_policy, but neither the file nor its headers define that struct",
			 kf->path);
		return -1;
	}
	/* comments out, then one field per ';' inside the braces */
	for (char *c = body; (c = strstr(c, "/*"));) {
		char *e = strstr(c + 2, "*/");

		memset(c, ' ', e ? (size_t)(e + 2 - c) : strlen(c));
	}
	char *open = strchr(body, '{'), *close = strrchr(body, '}');
	int r = 0;

	if (!open || !close || strchr(open + 1, '{')) {
		snprintf(err, errlen, "%s:%u: struct collapse_policy holds a structure of its own, and the file has no function that fills a policy (one that sets tva_type) for kcheck to call",
			 st->path ? st->path : kf->path, st->line);
		free(body);
		return -1;
	}
	*close = 0;
	for (char *save, *d = strtok_r(open + 1, ";", &save); d && !r;
	     d = strtok_r(NULL, ";", &save)) {
		size_t l = strlen(d);

		while (l && strchr(" \t\n", d[l - 1]))
			l--;
		size_t b = l;

		while (b && (d[b - 1] == '_' || (d[b - 1] >= 'a' && d[b - 1] <= 'z') ||
			     (d[b - 1] >= '0' && d[b - 1] <= '9')))
			b--;
		if (b == l)
			continue;
		bool ok = false;

		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			ok |= l - b == strlen(known[k]) && !strncmp(d + b, known[k], l - b);
		if (!ok) {
			snprintf(err, errlen, "%s:%u: struct collapse_policy has '%.*s', and the file has no function that fills a policy (one that sets tva_type) for kcheck to call: kcheck does not know what khugepaged and MADV_COLLAPSE put there",
				 st->path ? st->path : kf->path, st->line, (int)(l - b), d + b);
			r = -1;
		}
	}
	free(body);
	return r;
}

/* The settings the case gives the file's code: the sysctls it reads,
 * cc->is_khugepaged, and cc->policy as that tree's khugepaged and
 * MADV_COLLAPSE fill it. The engine's case has max_ptes_none alone: the
 * swap and shared sysctls keep the kernel's defaults there. */
static void emit_settings(struct kc_unit *u, FILE *f, bool scan)
{
	const struct kc_file *kf = &u->file;
	static const char *const sysctls[][3] = {
		{ "khugepaged_max_ptes_none", "c->max_ptes_none", "c->max_ptes_none" },
		{ "khugepaged_max_ptes_swap", "c->max_ptes_swap", "HPAGE_PMD_NR / 8" },
		{ "khugepaged_max_ptes_shared", "c->max_ptes_shared", "HPAGE_PMD_NR / 2" },
	};

	for (size_t i = 0; i < 3; i++)
		if (wanted_variable(kf, sysctls[i][0])) {
			out(f, "\t%s = %s;\n", sysctls[i][0], sysctls[i][scan ? 1 : 2]);
			add_input(u, "%s: %s", sysctls[i][0],
				  scan || !i ? "the case's" : "the kernel's default");
		}
	if (struct_has_field(kf, "struct collapse_control", "is_khugepaged")) {
		out(f, "\tkc_cc.is_khugepaged = c->khugepaged;\n");
		add_input(u, "cc->is_khugepaged: true in khugepaged mode, false for MADV_COLLAPSE");
	}
	if (!u->policy_field[0])
		return;
	const char *p = u->policy_field;

	if (u->policy_kh[0]) {
		out(f, "\tif (c->khugepaged)\n\t\t%s(&kc_cc.%s);\n\telse\n\t\t%s(&kc_cc.%s);\n",
		    u->policy_kh, p, u->policy_madv, p);
		add_input(u, "cc->%s: filled by the file's %s() in khugepaged mode, its %s() for MADV_COLLAPSE",
			  p, u->policy_kh, u->policy_madv);
		return;
	}
	out(f, "\t__builtin_memset(&kc_cc.%s, 0, sizeof(kc_cc.%s));\n", p, p);
	out(f, "\tkc_cc.%s.max_ptes_none = c->khugepaged ? c->max_ptes_none : HPAGE_PMD_NR;\n", p);
	out(f, "\tkc_cc.%s.max_ptes_swap = c->khugepaged ? %s : HPAGE_PMD_NR;\n", p,
	    scan ? "c->max_ptes_swap" : "HPAGE_PMD_NR / 8");
	out(f, "\tkc_cc.%s.max_ptes_shared = c->khugepaged ? %s : HPAGE_PMD_NR;\n", p,
	    scan ? "c->max_ptes_shared" : "HPAGE_PMD_NR / 2");
	static const char *const kh_only[] = { "strict_sub_pmd", "skip_lazyfree",
					       "require_referenced" };
	static const char *const madv_only[] = { "install_pmd", "writeback_dirty" };

	for (size_t i = 0; i < 3; i++)
		if (struct_has_field(kf, "struct collapse_policy", kh_only[i]))
			out(f, "\tkc_cc.%s.%s = c->khugepaged;\n", p, kh_only[i]);
	for (size_t i = 0; i < 2; i++)
		if (struct_has_field(kf, "struct collapse_policy", madv_only[i]))
			out(f, "\tkc_cc.%s.%s = !c->khugepaged;\n", p, madv_only[i]);
	if (struct_has_field(kf, "struct collapse_policy", "tva_type"))
		out(f, "\tkc_cc.%s.tva_type = c->khugepaged ? TVA_KHUGEPAGED : TVA_FORCED_COLLAPSE;\n", p);
	add_input(u, "cc->%s: the file has no function that fills it: each field by its name, as khugepaged (the sysctls, strict sub-PMD rules, young pages, lazyfree skipped) or MADV_COLLAPSE (no limits) would",
		  p);
}

/* Where a BUG (setjmp gives 1) or a broken folio assertion (2) comes
 * back to: the findings so far, and the call ends. */
static void emit_crash_handler(FILE *f, bool scan)
{
	out(f, "\tkc_f->bugs = 0;\n\tkc_assumed_n = 0;\n\tkc_bug_line = 0;\n\tswitch (setjmp(kc_crash)) {\n"
	       "\tcase 0:\n\t\tbreak;\n\tdefault:\n"
	       "\t\tkc_f->warnings = kc_warnings;\n"
	       "\t\tkc_f->bugs = kc_assumed_n == 0 || kc_bug_line != 0;\n"
	       "\t\tkc_f->bug_line = kc_bug_line;\n"
	       "\t\tkc_f->assumed = kc_assumed_n;\n\t\tkc_f->assumed_line = kc_assumed_line;\n"
	       "%s\t\treturn 0;\n\t}\n", scan ? "\t\tkc_scan = 0;\n" : "");
}

/* The scan's entry point: the case's table into the fakes, the sysctls
 * and the collapse_control set, the scan called, its bitmap read back. */
static void emit_scan_entry(struct kc_unit *u, FILE *f, const char *function,
			    const struct kc_param *params, size_t np)
{
	const struct kc_file *kf = &u->file;
	bool has_cc = kc_find(kf, "struct collapse_control", -1) != NULL;
	char names[8][64];
	size_t nb = has_cc ? bitmap_fields(kf, names, 8) : 0;

	out(f, "long kc_scan_run(const struct kc_scan_case *c, struct kc_findings *kc_f)\n{\n");
	out(f, "\tstatic struct mm_struct kc_mm;\n\tstatic struct vm_area_struct kc_vma;\n");
	if (has_cc)
		out(f, "\tstatic struct collapse_control kc_cc;\n");
	out(f, "\tstatic bool kc_locked;\n\t(void)kc_mm; (void)kc_vma;\n");
	out(f, "\tkc_scan = c;\n\tkc_answer = c->attempt;\n\tkc_ctx = c->ctx;\n\tkc_warnings = 0;\n"
	       "\tkc_locked = true;\n");
	out(f, "\tfor (unsigned int i = 0; i < HPAGE_PMD_NR; i++) {\n"
	       "\t\tkc_table[i].e = c->ptes[i];\n\t\tkc_table[i].kc_idx = i;\n"
	       "\t\tkc_pages[i].kc_idx = i;\n\t\tkc_folios[i].page.kc_idx = i;\n\t}\n");
	add_input(u, "the PTE table: the scenario's, through pte_offset_map_lock() and ptep_get()");
	emit_crash_handler(f, true);
	out(f, "\tkc_vma.vm_mm = &kc_mm;\n\tkc_vma.kc_uffd_armed = c->uffd;\n"
	       "\tkc_vma.vm_start = KC_BASE;\n\tkc_vma.vm_end = KC_BASE + HPAGE_PMD_SIZE;\n"
	       "\tkc_vma.vm_flags = c->vm_flags;\n");
	add_input(u, "the VMA: one PMD range, the scenario's hugepage/nohugepage flags, userfaultfd_armed() its uffd");
	add_input(u, "thp_vma_allowable_orders(): the orders the scenario's settings enable");
	emit_settings(u, f, true);
	/* a scan must clear the bitmap itself: it starts full */
	for (size_t i = 0; i < nb; i++) {
		out(f, "\t__builtin_memset(kc_cc.%s, 0xff, sizeof(kc_cc.%s));\n", names[i], names[i]);
		add_input(u, "cc->%s: all ones before the call (the scan clears it), read back after it", names[i]);
	}
	emit_call(u, f, function, params, np);
	out(f, ");\n\tkc_f->warnings = kc_warnings;\n"
	       "\tkc_f->assumed = kc_assumed_n;\n\tkc_f->assumed_line = kc_assumed_line;\n");
	u->has_bitmap = nb > 0;
	if (nb)
		out(f, "\t__builtin_memcpy(c->bitmap, kc_cc.%s, sizeof(kc_cc.%s));\n"
		       "\t((struct kc_scan_case *)c)->has_bitmap = 1;\n", names[0], names[0]);
	out(f, "\tkc_scan = 0;\n\treturn r;\n}\n");
}


static int generate_body(struct kc_unit *u, const char *path, const char *display,
		const char *function, char *err, size_t errlen)
{
	struct kc_file *kf = &u->file;

	/* messages name the file as the user named it */
	if (kc_file_open(kf, path, display, err, errlen))
		return KC_BAD_INPUT;
	path = kf->path;
	struct kc_item *target = kc_closure(kf, function, u->scan ? scan_stubbed : stubbed,
					    env_supplies, u->env);

	if (!target) {
		snprintf(err, errlen, "%s: no definition of a function '%s' (name another with --function)",
			 path, function);
		return KC_BAD_INPUT;
	}
	if (policy_plan(u, err, errlen))
		return KC_BAD_INPUT;
	struct kc_param params[16];
	size_t np;
	char ret[128];

	if (kc_signature(kf, target, ret, sizeof(ret), params, 16, &np)) {
		snprintf(err, errlen, "%s:%u: cannot read the parameters of %s",
			 path, target->line, function);
		return KC_BAD_INPUT;
	}
	/* a scan returns its result, as an int before the series */
	u->returns_result = strstr(ret, "scan_result") != NULL || u->scan;
	u->returns_count = !u->returns_result && strstr(ret, "void") == NULL;
	snprintf(u->shape, sizeof(u->shape), "%s %s(", ret, function);
	for (size_t i = 0; i < np; i++) {
		bool known;

		param_for(&params[i], &known);
		if (!known) {
			snprintf(err, errlen,
				 "%s:%u: %s: kcheck does not know what to pass for parameter '%s %s'",
				 path, target->line, function, params[i].type,
				 params[i].name);
			return KC_BAD_INPUT;
		}
		snprintf(u->shape + strlen(u->shape),
			 sizeof(u->shape) - strlen(u->shape), "%s%s", i ? ", " : "",
			 params[i].name);
	}
	snprintf(u->shape + strlen(u->shape), sizeof(u->shape) - strlen(u->shape), ")");
	u->uses_vma = false;
	for (size_t i = 0; i < np; i++)
		u->uses_vma |= !strcmp(params[i].name, "vma");
	u->calls_engine = false;
	for (size_t i = 0; i < kf->nitems; i++)
		if (kf->items[i].wanted && kc_item_uses(&kf->items[i], "mthp_collapse"))
			u->calls_engine = true;

	/* the stub takes collapse_huge_page()'s signature from the file */
	const struct kc_item *chp = kc_find(kf, "collapse_huge_page", -1);
	bool calls_chp = false;

	for (size_t i = 0; i < kf->nitems; i++)
		for (size_t k = 0; kf->items[i].wanted && k < kf->items[i].nuses; k++)
			calls_chp |= !strcmp(kf->items[i].uses[k], "collapse_huge_page");
	struct kc_param sp[16];
	size_t nsp = 0;
	char sret[128] = "";

	if (calls_chp && (!chp || kc_signature(kf, chp, sret, sizeof(sret), sp, 16, &nsp))) {
		snprintf(err, errlen,
			 "%s: %s calls collapse_huge_page(), but the file has no definition or declaration of it to take the signature from",
			 path, function);
		return KC_BAD_INPUT;
	}
	const char *addr = NULL, *order = NULL, *refd = "0", *unm = "0";

	for (size_t i = 0; i < nsp; i++) {
		if (strstr(sp[i].name, "addr"))
			addr = sp[i].name;
		if (!strcmp(sp[i].name, "order"))
			order = sp[i].name;
		if (!strcmp(sp[i].name, "referenced"))
			refd = sp[i].name;
		if (!strcmp(sp[i].name, "unmapped"))
			unm = sp[i].name;
	}
	/* mainline's collapse_huge_page() has no order: it collapses the PMD */
	if (calls_chp && !order && u->scan)
		order = "HPAGE_PMD_ORDER";
	if (calls_chp && (!addr || !order)) {
		snprintf(err, errlen,
			 "%s:%u: collapse_huge_page() has no 'address' and 'order' parameters to record",
			 path, chp->line);
		return KC_BAD_INPUT;
	}

	snprintf(u->c_path, sizeof(u->c_path), "%s/kc.c", u->dir);
	FILE *f = fopen(u->c_path, "w");

	if (!f) {
		snprintf(err, errlen, "%s: %s", u->c_path, strerror(errno));
		return KC_ERROR;
	}
	out(f, "/* generated by mthpsim kcheck from %s: %s */\n", path, function);
	out(f, "#include <mthpcollapse/kernel/khugepaged.h>\n");
	out(f, "struct kc_case;\nstatic const struct kc_case *kc_cur;\n");
	out(f, "static int (*kc_answer)(void *ctx, unsigned int offset, unsigned int order, int referenced, int unmapped);\n");
	out(f, "static void *kc_ctx;\nstatic unsigned int kc_warnings;\n");
	out(f, "#define KC_BASE (64UL * HPAGE_PMD_SIZE)\n");
	emit_fake_support(f);
	u->nstubs = 0;
	u->ninputs = 0;
	u->stub_header[0] = 0;
	if (calls_chp)
		add_stub(u, "collapse_huge_page");
	for (size_t i = 0; i < kf->nitems; i++)
		for (size_t k = 0; kf->items[i].wanted && k < kf->items[i].nuses; k++)
			if (is_trace_point(kf, kf->items[i].uses[k]))
				add_stub(u, kf->items[i].uses[k]);
	for (size_t i = 0; i < u->nstubs; i++)
		if (strcmp(u->stubs[i], "collapse_huge_page"))
			out(f, "#define %s(...) kc_trace_dropped(0, ##__VA_ARGS__)\n", u->stubs[i]);
	/* types, macros and variables first, then the stub, then functions */
	for (size_t i = 0; i < kf->nitems; i++) {
		const struct kc_item *it = &kf->items[i];

		if (it->wanted && it->kind != KC_FUNCTION && it->kind != KC_PROTO)
			emit_item(f, kf, it);
	}
	if (calls_chp) {
		size_t hl = kc_header_len(kf, chp);
		char *h = strndup(kf->text + chp->start, hl);

		/* one line, blanks folded, for --explain */
		size_t o = 0;

		for (size_t i = 0; i < hl && o + 1 < sizeof(u->stub_header); i++) {
			char ch = h[i] == '\n' || h[i] == '\t' ? ' ' : h[i];

			if (ch == ' ' && (!o || u->stub_header[o - 1] == ' '))
				continue;
			u->stub_header[o++] = ch;
		}
		while (o && u->stub_header[o - 1] == ' ')
			o--;
		u->stub_header[o] = 0;
		out(f, "#line 1 \"<kcheck stub of collapse_huge_page>\"\n");
		/* "static" and the return type as the file has them */
		out(f, "%s\n{\n", h);
		for (size_t i = 0; i < nsp; i++)
			if (strcmp(sp[i].name, addr) && strcmp(sp[i].name, order) &&
			    strcmp(sp[i].name, refd) && strcmp(sp[i].name, unm))
				out(f, "\t(void)%s;\n", sp[i].name);
		out(f, "\treturn (%s)kc_answer(kc_ctx, (unsigned int)((%s - KC_BASE) >> PAGE_SHIFT), %s, (int)(%s), (int)(%s));\n}\n",
		    bare_type(sret), addr, order, refd, unm);
		free(h);
	}
	if (u->scan && emit_pmd_stub(u, f, err, errlen)) {
		fclose(f);
		return KC_BAD_INPUT;
	}
	for (size_t i = 0; i < kf->nitems; i++) {
		const struct kc_item *it = &kf->items[i];

		if (it->wanted && (it->kind == KC_FUNCTION || it->kind == KC_PROTO) &&
		    !item_defines(it, "collapse_huge_page"))
			emit_item(f, kf, it);
	}
	/* the entry point */
	out(f, "#line 1 \"<kcheck entry point>\"\n");
	out(f, "#include <setjmp.h>\n");
	out(f, "#ifdef KC_PTE_INDEX_SIZE_AT_BOOT\n"
	       "unsigned long __pte_index_size = KC_PTE_INDEX_SIZE_AT_BOOT;\n#endif\n");
	out(f, "static jmp_buf kc_crash;\nstatic int kc_bug_line;\n"
	       "static unsigned int kc_assumed_n;\nstatic int kc_assumed_line;\n");
	/* an assertion about a folio's state that the case broke: recorded,
	 * and a fatal one (VM_BUG_ON_FOLIO) ends the call */
	out(f, "void kc_assumed(const char *file, int line, const char *cond, int fatal)\n"
	       "{\n\t(void)file; (void)cond;\n\tif (!kc_assumed_n++)\n\t\tkc_assumed_line = line;\n"
	       "\tif (fatal)\n\t\tlongjmp(kc_crash, 2);\n}\n");
	out(f, "void kc_warned(const char *file, int line, const char *cond)\n"
	       "{\n\t(void)file; (void)line; (void)cond;\n\tkc_warnings++;\n}\n");
	/* a BUG in the kernel ends the task: here it ends the call */
	out(f, "void kc_bug(const char *file, int line, const char *cond)\n"
	       "{\n\t(void)file; (void)cond;\n\tkc_bug_line = line;\n"
	       "\tlongjmp(kc_crash, 1);\n}\n");
	out(f, "struct kc_case {\n\tconst unsigned long *bitmap;\n\tunsigned long orders;\n"
	       "\tint khugepaged, uffd, referenced;\n\tunsigned int max_ptes_none, unmapped;\n"
	       "\tint (*answer)(void *, unsigned int, unsigned int, int, int);\n\tvoid *ctx;\n};\n");
	out(f, "unsigned int kc_geometry(void) { return HPAGE_PMD_NR; }\n");
	out(f, "struct kc_findings { unsigned int warnings, bugs; int bug_line;\n"
	       "\tunsigned int assumed; int assumed_line; };\n");
	if (u->scan) {
		emit_scan_entry(u, f, function, params, np);
		goto names;
	}
	out(f, "long kc_run(const struct kc_case *c, struct kc_findings *kc_f)\n{\n");
	out(f, "\tstatic struct mm_struct kc_mm;\n\tstatic struct vm_area_struct kc_vma;\n");
	if (kc_find(kf, "struct collapse_control", -1))
		out(f, "\tstatic struct collapse_control kc_cc;\n");
	out(f, "\tbool kc_locked = true;\n\t(void)kc_locked; (void)kc_mm; (void)kc_vma;\n");
	out(f, "\tkc_cur = c;\n\tkc_answer = c->answer;\n\tkc_ctx = c->ctx;\n\tkc_warnings = 0;\n");
	emit_crash_handler(f, false);
	out(f, "\tkc_vma.vm_mm = &kc_mm;\n\tkc_vma.kc_uffd_armed = c->uffd;\n");
	emit_settings(u, f, false);
	if (kc_find(kf, "struct collapse_control", -1)) {
		char names[8][64];
		size_t nb = bitmap_fields(kf, names, 8);

		for (size_t i = 0; i < nb; i++)
		{
			out(f, "\t__builtin_memcpy(kc_cc.%s, c->bitmap, sizeof(kc_cc.%s));\n",
			    names[i], names[i]);
			add_input(u, "cc->%s: the case's occupancy bitmap", names[i]);
		}
	}
	emit_call(u, f, function, params, np);
	out(f, ");\n\tkc_f->warnings = kc_warnings;\n"
	       "\tkc_f->assumed = kc_assumed_n;\n\tkc_f->assumed_line = kc_assumed_line;\n"
	       "\treturn r;\n}\n");
names:;
	/* the file's result names, so results map by name */
	const struct kc_item *en = kc_find(kf, "enum scan_result", -1);

	out(f, "const char *kc_result_name(long v)\n{\n\tswitch (v) {\n");
	for (size_t k = 1; en && k < en->ndefines; k++)
		out(f, "\tcase %s: return \"%s\";\n", en->defines[k], en->defines[k]);
	out(f, "\t}\n\treturn 0;\n}\n");
	out(f, "long kc_result_value(const char *n)\n{\n");
	for (size_t k = 1; en && k < en->ndefines; k++)
		out(f, "\tif (!__builtin_strcmp(n, \"%s\")) return %s;\n",
		    en->defines[k], en->defines[k]);
	out(f, "\treturn -1;\n}\n");
	if (fclose(f)) {
		snprintf(err, errlen, "%s: %s", u->c_path, strerror(errno));
		return KC_ERROR;
	}
	return 0;
}

/* Where FILE uses name: the first use in the extracted items. */
static bool find_use(const struct kc_file *kf, const char *name,
		     const char **path, unsigned int *line, unsigned int *col)
{
	for (size_t i = 0; i < kf->nitems; i++) {
		const struct kc_item *it = &kf->items[i];

		for (size_t k = 0; it->wanted && k < it->nuses; k++) {
			if (strcmp(it->uses[k], name))
				continue;
			*path = it->path ? it->path : kf->path;
			*line = it->use_lines[k];
			*col = it->use_cols[k];
			return true;
		}
	}
	return false;
}

/* The one message for a name the code needs and nobody defines. */
static void report_missing(const struct kc_unit *u, const char *name, FILE *msg)
{
	unsigned int l = 0, c = 0;
	const char *path;

	if (find_use(&u->file, name, &path, &l, &c))
		fprintf(msg, "%s:%u:%u: '%s' is used here, but neither the file nor kcheck's kernel environment defines it\n",
			path, l, c, name);
	else
		fprintf(msg, "%s: '%s' is used, but neither the file nor kcheck's kernel environment defines it\n",
			u->file.path, name);
}

/* The next line of a compiler log at *p into line (cut to size); false
 * at the end. */
static bool next_log_line(const char **p, char *line, size_t size)
{
	if (!**p)
		return false;
	const char *eol = strchr(*p, '\n');
	size_t ll = eol ? (size_t)(eol - *p) : strlen(*p);

	snprintf(line, size, "%.*s", (int)(ll < size - 1 ? ll : size - 1), *p);
	*p += ll + (eol ? 1 : 0);
	return true;
}

/* Turns compiler errors about unknown names into located messages. */
static bool explain(const struct kc_unit *u, const char *log, FILE *msg)
{
	bool any = false;
	char seen[32][64];
	size_t nseen = 0;

	char line[512];

	for (const char *p = log; next_log_line(&p, line, sizeof(line));) {
		char name[64] = "";
		const char *q;

		if ((q = strstr(line, "implicit declaration of function '")) ||
		    (q = strstr(line, "unknown type name '"))) {
			q = strchr(q, '\'') + 1;
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(q, "'"), q);
		} else if ((q = strstr(line, "' undeclared"))) {
			const char *b = q;

			while (b > line && b[-1] != '\'')
				b--;
			snprintf(name, sizeof(name), "%.*s", (int)(q - b), b);
		}
		if (!*name)
			continue;
		bool dup = false;

		for (size_t i = 0; i < nseen; i++)
			dup |= !strcmp(seen[i], name);
		if (dup || nseen == 32)
			continue;
		snprintf(seen[nseen++], 64, "%s", name);
		report_missing(u, name, msg);
		any = true;
	}
	return any;
}


/* Where a compiler message is located: the checked file, or somewhere
 * kcheck put (the environment, its stub or its entry point). */
static bool about_the_file(const struct kc_unit *u, const char *line)
{
	return kc_file_says(&u->file, line);
}

static void keep_warning(struct kc_unit *u, const char *line)
{
	for (size_t i = 0; i < u->nwarnings; i++)
		if (!strcmp(u->warnings[i], line))
			return;
	char **w = realloc(u->warnings, (u->nwarnings + 1) * sizeof(*w));

	if (!w || !(w[u->nwarnings] = strdup(line)))
		kc_oom();
	u->warnings = w;
	u->nwarnings++;
}

/* Compiler messages a geometry whose table size is a boot-time value
 * gives for code that needs it as a constant. */
static bool needs_a_constant(const char *line)
{
	static const char *const says[] = {
		"variably modified", "does not reduce to an integer constant",
		"isn't constant", "is not constant", "not an integer constant",
		"variable-sized object may not be initialized",
	};

	for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++)
		if (strstr(line, says[i]))
			return true;
	return false;
}

/* The compiler's errors about the file, in the file's words; nothing
 * located in kcheck's own code. */
static bool show_errors(const struct kc_unit *u, const struct kc_geometry *g,
			const char *log, FILE *msg)
{
	bool said_why = false, said = false;
	char line[1024];

	for (const char *p = log; next_log_line(&p, line, sizeof(line));) {
		if (!about_the_file(u, line) || strstr(line, ": note: "))
			continue;
		fprintf(msg, "%s\n", line);
		said = true;
		if (g->at_boot && needs_a_constant(line) && !said_why) {
			fprintf(msg,
				"kcheck: on %s, PTRS_PER_PTE, HPAGE_PMD_NR and HPAGE_PMD_ORDER are not compile-time constants: a ppc64 book3s64 kernel picks the hash or the radix MMU at boot and takes them from a variable (MAX_PTRS_PER_PTE stays a constant, the largest table either MMU has). This code would not build for that kernel either; size arrays with MAX_PTRS_PER_PTE.\n",
				g->tag);
			said_why = true;
		}
	}
	return said;
}

/* name as exec would find it on PATH, resolved to the real file (the
 * jail has /usr, not /etc/alternatives or a link farm elsewhere); false
 * if it is not there. */
static bool resolve_program(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX], real[PATH_MAX];

	if (strchr(name, '/')) {
		if (!realpath(name, real))
			return false;
		snprintf(out, len, "%s", real);
		return access(real, X_OK) == 0;
	}
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, n ? p : ".", name);
		if (!access(cand, X_OK) && realpath(cand, real)) {
			snprintf(out, len, "%s", real);
			return true;
		}
		p += n + (p[n] == ':');
	}
	return false;
}

static int compile_body(struct kc_unit *u, const struct kc_geometry *g,
	       const char *include_dir, const char *public_dir, FILE *msg)
{
	const char *cc_env = getenv("CC");
	char so[760], log[760], inc[700], pub[700], order[64], maxp[64], shift[64];
	char ccbuf[256], *argv[48];
	size_t argc = 0;

	if (!cc_env || !*cc_env)
		cc_env = "cc";
	/* CC may carry words of its own ("ccache gcc", "gcc -m32") */
	snprintf(ccbuf, sizeof(ccbuf), "%s", cc_env);
	for (char *w = strtok(ccbuf, " \t"); w && argc < 16; w = strtok(NULL, " \t"))
		argv[argc++] = w;
	if (!argc) {
		fprintf(msg, "kcheck: CC is blank\n");
		return KC_BAD_INPUT;
	}
	/* the compiler by its real path, and its directory in the jail when
	 * that is not under /usr */
	char ccpath[PATH_MAX], ccdir[PATH_MAX];

	if (!resolve_program(argv[0], ccpath, sizeof(ccpath))) {
		/* a value of the user's (CC, or PATH), as a blank CC is */
		fprintf(msg, "kcheck: the C compiler '%s' was not found (set CC)\n", argv[0]);
		return KC_BAD_INPUT;
	}
	argv[0] = ccpath;
	snprintf(ccdir, sizeof(ccdir), "%s", ccpath);
	*strrchr(ccdir, '/') = 0;
	snprintf(so, sizeof(so), "%s/kc-%s.so", u->dir, g->tag);
	snprintf(log, sizeof(log), "%s/kc-%s.log", u->dir, g->tag);
	snprintf(inc, sizeof(inc), "-I%s", include_dir);
	snprintf(pub, sizeof(pub), "-I%s", public_dir);
	if (g->at_boot)
		snprintf(order, sizeof(order), "-DKC_PTE_INDEX_SIZE_AT_BOOT=%u", g->pmd_order);
	else
		snprintf(order, sizeof(order), "-DHPAGE_PMD_ORDER=%u", g->pmd_order);
	snprintf(maxp, sizeof(maxp), "-DMAX_PTRS_PER_PTE=%u", g->max_ptrs);
	snprintf(shift, sizeof(shift), "-DPAGE_SHIFT=%u", g->page_shift);
	static char *const flags[] = {
		"-std=gnu11", "-O2", "-fPIC", "-shared", "-Wall",
		/* the closure holds what the function needs, and a helper
		 * may be needed by a branch the preprocessor drops */
		"-Wno-unused-function",
		/* GCC cannot see a bound the code keeps with a WARN (the
		 * stack's), and would warn on every push */
		"-Wno-stringop-overflow",
		"-fdiagnostics-color=never", "-fno-diagnostics-show-caret",
		"-Werror=implicit-function-declaration", "-Werror=implicit-int",
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		argv[argc++] = flags[i];
	argv[argc++] = inc;
	argv[argc++] = pub;
	argv[argc++] = order;
	argv[argc++] = maxp;
	argv[argc++] = shift;
	argv[argc++] = "-o";
	argv[argc++] = so;
	argv[argc++] = u->c_path;
	argv[argc] = NULL;

	/* the compiler reads the file's code: in a jail that holds /usr, the
	 * environment and the unit's directory, no more */
	bool under_usr = !strncmp(ccdir, "/usr/", 5);
	struct kc_jail j = { .root = u->jail_root,
			     .ro = { include_dir, public_dir, under_usr ? NULL : ccdir },
			     .rw = u->dir, .compile = true, .as_bytes = 4ul << 30,
			     .cpu_seconds = 300 };
#ifdef MTHP_COVERAGE
	/* a coverage build's mthpsim writes its counts as it execs the
	 * compiler: into the build tree, as the user that owns them */
	j.also_rw = MTHP_COVERAGE;
	j.keep_user = true;
#endif
	int st = kc_run_jailed(argv, log, NULL, u->jail_root ? &j : NULL);
	int saved = errno;
	size_t loglen;
	char ignored[8];
	char *text = kc_read_file(log, 1 << 20, &loglen, ignored, sizeof(ignored));

	errno = saved;
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
			fprintf(msg, "kcheck: the C compiler '%s' could not be run%s\n", argv[0],
				u->jail_root ? " (jailed, it sees /usr and its own directory only)" : "");
		else if (st == -1)
			fprintf(msg, "kcheck: running %s: %s\n", argv[0], strerror(errno));
		else if (WIFSIGNALED(st) || WEXITSTATUS(st) >= 128)
			/* a macro that expands without end, or a file that
			 * never stops: the compiler's limits stopped it */
			fprintf(msg, "kcheck: the C compiler was stopped by signal %d (%s) on the file: over its limits of 300 s of CPU and 4 GiB of memory?\n",
				WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st) - 128,
				strsignal(WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st) - 128));
		else if (WEXITSTATUS(st) == 126 && text && strstr(text, "kcheck: jail"))
			fprintf(msg, "%s", text);
		else if ((!text || !explain(u, text, msg)) &&
			 !show_errors(u, g, text ? text : "", msg))
			/* nothing located in the file: the compiler's own
			 * words, so that a failure is never silent */
			fprintf(msg, "kcheck: the C compiler failed (exit status %d)%s%.2000s",
				WEXITSTATUS(st), text && *text ? ":\n" : "\n", text ? text : "");
		free(text);
		return KC_BAD_INPUT;
	}
	/* the file's own warnings, shown after the verdict */
	char line[1024];

	for (const char *p = text ? text : ""; next_log_line(&p, line, sizeof(line));)
		if (about_the_file(u, line) && strstr(line, ": warning: "))
			keep_warning(u, line);
	free(text);
	snprintf(u->so_path, sizeof(u->so_path), "%s", so);
	/* the process that loads it may run as another user */
	if (chmod(so, 0644)) {
		fprintf(msg, "kcheck: %s: %s\n", so, strerror(errno));
		return KC_ERROR;
	}
	return 0;
}

int kc_load(struct kc_unit *u, FILE *msg)
{
	const char *so = u->so_path;

	u->handle = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!u->handle) {
		const char *e = dlerror(), *sym = e ? strstr(e, "undefined symbol: ") : NULL;
		char name[64];

		if (sym) {
			snprintf(name, sizeof(name), "%s", sym + strlen("undefined symbol: "));
			report_missing(u, name, msg);
			return KC_BAD_INPUT;
		}
		fprintf(msg, "kcheck: loading %s: %s\n", so, e);
		return KC_ERROR;
	}
	/* POSIX's way from dlsym()'s void * to a function pointer */
	*(void **)&u->run = u->scan ? NULL : dlsym(u->handle, "kc_run");
	*(void **)&u->scan_run = u->scan ? dlsym(u->handle, "kc_scan_run") : NULL;
	*(void **)&u->result_name = dlsym(u->handle, "kc_result_name");
	*(void **)&u->result_value = dlsym(u->handle, "kc_result_value");
	if ((!u->run && !u->scan_run) || !u->result_name || !u->result_value) {
		fprintf(msg, "kcheck: %s lacks the entry points kcheck wrote\n", so);
		return KC_ERROR;
	}
	/* results match by meaning: each of the library's, under any name a
	 * kernel gave it (SCAN_PTE_UFFD for SCAN_PTE_UFFD_WP, ...) */
	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++) {
		const char *n;

		u->to_kernel[r] = -1;
		for (unsigned int i = 0; u->to_kernel[r] < 0 &&
					 (n = mthp_scan_result_spelling(r, i)); i++)
			u->to_kernel[r] = u->result_value(n);
	}
	return 0;
}

int kc_result_of(const struct kc_unit *u, long v)
{
	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++)
		if (u->to_kernel[r] == v)
			return r;
	return -1;
}

void kc_unload(struct kc_unit *u)
{
	if (u->handle)
		dlclose(u->handle);
	u->handle = NULL;
	u->run = NULL;
}

void kc_unit_free(struct kc_unit *u)
{
	kc_unload(u);
	for (size_t i = 0; i < u->nwarnings; i++)
		free(u->warnings[i]);
	free(u->warnings);
	u->warnings = NULL;
	u->nwarnings = 0;
	kc_file_free(&u->file);
}

static const char *kind_word(enum kc_item_kind k)
{
	switch (k) {
	case KC_DEFINE: return "macro";
	case KC_FUNCTION: return "function";
	case KC_PROTO: return "declaration";
	case KC_TYPE: return "type";
	case KC_VARIABLE: return "variable";
	case KC_DIRECTIVE:
	case KC_OTHER:
		break;
	}
	return "other";
}

static bool listed(char (*v)[64], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}


static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void env_add(struct kc_env *e, const char *name, size_t len)
{
	e->names = realloc(e->names, (e->n + 1) * sizeof(*e->names));
	if (!e->names || !(e->names[e->n] = strndup(name, len)))
		kc_oom();
	e->n++;
}

static int env_load_body(struct kc_env *e, const char *env_dir, const char *public_dir,
		char *err, size_t errlen)
{
	static const char *const headers[] = { "khugepaged.h", "spellings.h" };

	memset(e, 0, sizeof(*e));
	for (size_t h = 0; h < 2; h++) {
		char path[700];
		struct kc_file kf;
		size_t n;

		snprintf(path, sizeof(path), "%s/mthpcollapse/kernel/%s",
			 h ? public_dir : env_dir, headers[h]);
		/* its declarations; a header whose extern "C" braces sit in
		 * #ifdef groups does not split, and has #defines only */
		if (!kc_file_load(&kf, path, err, errlen)) {
			for (size_t i = 0; i < kf.nitems; i++)
				for (size_t k = 0; k < kf.items[i].ndefines; k++)
					env_add(e, kf.items[i].defines[k],
						strlen(kf.items[i].defines[k]));
			kc_file_free(&kf);
		}
		/* the splitter sees no directive inside an extern "C" block:
		 * every #define of the text */
		char *raw = kc_read_file(path, 1 << 20, &n, err, errlen);

		if (!raw) {
			kc_env_free(e);
			return -1;
		}
		for (const char *p = raw; (p = strstr(p, "#define ")); p += 8) {
			const char *q = p + 8;
			size_t l = word_after_blanks(&q);

			if (l)
				env_add(e, q, l);
		}
		free(raw);
	}
	qsort(e->names, e->n, sizeof(*e->names), name_cmp);
	return 0;
}

bool kc_env_has(const struct kc_env *e, const char *name)
{
	return e && e->n && bsearch(&name, e->names, e->n, sizeof(*e->names), name_cmp);
}

void kc_env_free(struct kc_env *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->names[i]);
	free(e->names);
	memset(e, 0, sizeof(*e));
}

static void explain_body(const struct kc_unit *u, struct kc_explained *e)
{
	const struct kc_file *kf = &u->file;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < kf->nitems; i++) {
		const struct kc_item *it = &kf->items[i];

		if (!it->wanted || !it->ndefines ||
		    (it->kind == KC_FUNCTION && item_defines(it, "collapse_huge_page")))
			continue;
		e->taken = realloc(e->taken, (e->ntaken + 1) * sizeof(*e->taken));
		if (!e->taken)
			kc_oom();
		struct kc_taken *t = &e->taken[e->ntaken++];

		t->kind = kind_word(it->kind);
		/* an enum's first name is its tag; the rest its values */
		snprintf(t->name, sizeof(t->name), "%s", it->defines[0]);
		t->file = it->from_header ? it->path : NULL;
		t->line = it->line;
		t->conditional = it->nconds > 0;
	}
	for (size_t i = 0; i < kf->nitems; i++) {
		const struct kc_item *it = &kf->items[i];

		for (size_t k = 0; it->wanted && k < it->nuses; k++) {
			const char *name = it->uses[k];
			const struct kc_item *d;

			if (!*name || !kc_env_has(u->env, name) ||
			    listed(e->env, e->nenv, name))
				continue;
			/* the file's own definition wins, a header's does not */
			d = kc_find(kf, name, -1);
			if (d && d->wanted)
				continue;
			e->env = realloc(e->env, (e->nenv + 1) * sizeof(*e->env));
			if (!e->env)
				kc_oom();
			snprintf(e->env[e->nenv++], 64, "%s", name);
		}
	}
}

void kc_explained_free(struct kc_explained *e)
{
	free(e->taken);
	free(e->env);
	memset(e, 0, sizeof(*e));
}

int kc_generate(struct kc_unit *u, const char *path, const char *display,
		const char *function, char *err, size_t errlen)
{
	int r;

	KC_GUARDED(r, generate_body(u, path, display, function, err, errlen),
		   r = (kc_out_of_memory(err, errlen), KC_ERROR));
	return r;
}

int kc_compile(struct kc_unit *u, const struct kc_geometry *g,
	       const char *include_dir, const char *public_dir, FILE *msg)
{
	int r;

	KC_GUARDED(r, compile_body(u, g, include_dir, public_dir, msg),
		   r = (msg ? fprintf(msg, "kcheck: out of memory\n") : 0, KC_ERROR));
	return r;
}

int kc_env_load(struct kc_env *e, const char *env_dir, const char *public_dir,
		char *err, size_t errlen)
{
	int r;

	KC_GUARDED(r, env_load_body(e, env_dir, public_dir, err, errlen),
		   r = kc_out_of_memory(err, errlen));
	return r;
}

int kc_explain(const struct kc_unit *u, struct kc_explained *e)
{
	int r;

	memset(e, 0, sizeof(*e));
	KC_GUARDED(r, (explain_body(u, e), 0), r = -ENOMEM);
	return r;
}
