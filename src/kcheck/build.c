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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kcheck.h"

static const char *const stubbed[] = { "collapse_huge_page", NULL };

static void out(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
}

static bool item_defines(const struct kc_item *it, const char *name)
{
	for (size_t k = 0; k < it->ndefines; k++)
		if (!strcmp(it->defines[k], name))
			return true;
	return false;
}

/* The item's text, with a #line marker and #undefs for the names it
 * defines, so the file's definitions win over the environment's. */
static void emit_item(FILE *f, const struct kc_file *kf,
		      const struct kc_item *it)
{
	for (size_t k = 0; k < it->ndefines; k++)
		if (!strchr(it->defines[k], ' ') &&
		    (it->kind == KC_DEFINE || it->kind == KC_FUNCTION ||
		     it->kind == KC_PROTO))
			out(f, "#undef %s\n", it->defines[k]);
	out(f, "#line %u \"%s\"\n", it->line, kf->path);
	/* directives start at column 1; other items where they are */
	fwrite(kf->text + it->start, 1, it->end - it->start, f);
	fputc('\n', f);
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

int kc_generate(struct kc_unit *u, const char *path, const char *function,
		char *err, size_t errlen)
{
	struct kc_file *kf = &u->file;

	if (kc_file_load(kf, path, err, errlen))
		return KC_BAD_INPUT;
	struct kc_item *target = kc_closure(kf, function, stubbed);

	if (!target) {
		snprintf(err, errlen, "%s: no definition of a function '%s' (name another with --function)",
			 path, function);
		return KC_BAD_INPUT;
	}
	struct kc_param params[16];
	size_t np;
	char ret[128];

	if (kc_signature(kf, target, ret, sizeof(ret), params, 16, &np)) {
		snprintf(err, errlen, "%s:%u: cannot read the parameters of %s",
			 path, target->line, function);
		return KC_BAD_INPUT;
	}
	u->returns_result = strstr(ret, "scan_result") != NULL;
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
	strlcat(u->shape, ")", sizeof(u->shape));
	u->uses_vma = false;
	for (size_t i = 0; i < np; i++)
		u->uses_vma |= !strcmp(params[i].name, "vma");

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
	const char *addr = NULL, *order = NULL;

	for (size_t i = 0; i < nsp; i++) {
		if (strstr(sp[i].name, "addr"))
			addr = sp[i].name;
		if (!strcmp(sp[i].name, "order"))
			order = sp[i].name;
	}
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
	out(f, "static int (*kc_answer)(void *ctx, unsigned int offset, unsigned int order);\n");
	out(f, "static void *kc_ctx;\nstatic unsigned int kc_warnings;\n");
	out(f, "#define KC_BASE (64UL * HPAGE_PMD_SIZE)\n");
	/* types, macros and variables first, then the stub, then functions */
	for (size_t i = 0; i < kf->nitems; i++) {
		const struct kc_item *it = &kf->items[i];

		if (it->wanted && it->kind != KC_FUNCTION && it->kind != KC_PROTO)
			emit_item(f, kf, it);
	}
	if (calls_chp) {
		size_t hl = kc_header_len(kf, chp);
		char *h = strndup(kf->text + chp->start, hl);

		out(f, "#line 1 \"<kcheck stub of collapse_huge_page>\"\n");
		/* "static" and the return type as the file has them */
		out(f, "%s\n{\n", h);
		for (size_t i = 0; i < nsp; i++)
			if (strcmp(sp[i].name, addr) && strcmp(sp[i].name, order))
				out(f, "\t(void)%s;\n", sp[i].name);
		out(f, "\treturn (%s)kc_answer(kc_ctx, (unsigned int)((%s - KC_BASE) >> PAGE_SHIFT), %s);\n}\n",
		    bare_type(sret), addr, order);
		free(h);
	}
	for (size_t i = 0; i < kf->nitems; i++) {
		const struct kc_item *it = &kf->items[i];

		if (it->wanted && (it->kind == KC_FUNCTION || it->kind == KC_PROTO) &&
		    !item_defines(it, "collapse_huge_page"))
			emit_item(f, kf, it);
	}
	/* the entry point */
	out(f, "#line 1 \"<kcheck entry point>\"\n");
	out(f, "void kc_warned(const char *file, int line, const char *cond)\n"
	       "{\n\t(void)file; (void)line; (void)cond;\n\tkc_warnings++;\n}\n");
	out(f, "struct kc_case {\n\tconst unsigned long *bitmap;\n\tunsigned long orders;\n"
	       "\tint khugepaged, uffd, referenced;\n\tunsigned int max_ptes_none, unmapped;\n"
	       "\tint (*answer)(void *, unsigned int, unsigned int);\n\tvoid *ctx;\n};\n");
	out(f, "unsigned int kc_geometry(void) { return HPAGE_PMD_NR; }\n");
	out(f, "long kc_run(const struct kc_case *c, unsigned int *warnings)\n{\n");
	out(f, "\tstatic struct mm_struct kc_mm;\n\tstatic struct vm_area_struct kc_vma;\n");
	if (kc_find(kf, "struct collapse_control", -1))
		out(f, "\tstatic struct collapse_control kc_cc;\n");
	out(f, "\tbool kc_locked = true;\n\t(void)kc_locked; (void)kc_mm; (void)kc_vma;\n");
	out(f, "\tkc_cur = c;\n\tkc_answer = c->answer;\n\tkc_ctx = c->ctx;\n\tkc_warnings = 0;\n");
	out(f, "\tkc_vma.vm_mm = &kc_mm;\n\tkc_vma.kc_uffd_armed = c->uffd;\n");
	static const char *const sysctls[] = { "khugepaged_max_ptes_none" };

	for (size_t i = 0; i < 1; i++)
		for (size_t k = 0; k < kf->nitems; k++)
			if (kf->items[k].wanted && kf->items[k].kind == KC_VARIABLE &&
			    item_defines(&kf->items[k], sysctls[i]))
				out(f, "\t%s = c->max_ptes_none;\n", sysctls[i]);
	if (kc_find(kf, "struct collapse_control", -1)) {
		char names[8][64];
		size_t nb = bitmap_fields(kf, names, 8);

		if (struct_has_field(kf, "struct collapse_control", "is_khugepaged"))
			out(f, "\tkc_cc.is_khugepaged = c->khugepaged;\n");
		for (size_t i = 0; i < nb; i++)
			out(f, "\t__builtin_memcpy(kc_cc.%s, c->bitmap, sizeof(kc_cc.%s));\n",
			    names[i], names[i]);
	}
	out(f, "\tlong r = (long)%s(", function);
	for (size_t i = 0; i < np; i++) {
		bool known;

		out(f, "%s%s", i ? ", " : "", param_for(&params[i], &known));
	}
	out(f, ");\n\t*warnings = kc_warnings;\n\treturn r;\n}\n");
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
		     unsigned int *line, unsigned int *col)
{
	for (size_t i = 0; i < kf->nitems; i++) {
		const struct kc_item *it = &kf->items[i];

		for (size_t k = 0; it->wanted && k < it->nuses; k++) {
			if (strcmp(it->uses[k], name))
				continue;
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

	if (find_use(&u->file, name, &l, &c))
		fprintf(msg, "%s:%u:%u: '%s' is used here, but neither the file nor kcheck's kernel environment defines it\n",
			u->file.path, l, c, name);
	else
		fprintf(msg, "%s: '%s' is used, but neither the file nor kcheck's kernel environment defines it\n",
			u->file.path, name);
}

/* Turns compiler errors about unknown names into located messages. */
static bool explain(const struct kc_unit *u, const char *log, FILE *msg)
{
	bool any = false;
	char seen[32][64];
	size_t nseen = 0;

	for (const char *p = log; *p;) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)(ll < 511 ? ll : 511), p);
		p += ll + (eol ? 1 : 0);
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

int kc_compile(struct kc_unit *u, const struct kc_geometry *g,
	       const char *include_dir, FILE *msg)
{
	const char *cc = getenv("CC");
	char so[600], log[600], cmd[4096];

	if (!cc || !*cc)
		cc = "cc";
	snprintf(so, sizeof(so), "%s/kc-%s.so", u->dir, g->tag);
	snprintf(log, sizeof(log), "%s/kc-%s.log", u->dir, g->tag);
	snprintf(cmd, sizeof(cmd),
		 "LC_ALL=C %s -std=gnu11 -O2 -fPIC -shared "
		 "-Werror=implicit-function-declaration -Werror=implicit-int "
		 "-I'%s' -DHPAGE_PMD_ORDER=%u "
		 "-DMAX_PTRS_PER_PTE=%u -DPAGE_SHIFT=%u -o '%s' '%s' >'%s' 2>&1",
		 cc, include_dir, g->pmd_order, g->max_ptrs, g->page_shift, so,
		 u->c_path, log);
	int st = system(cmd);
	FILE *lf = fopen(log, "r");
	char *text = calloc(1, 1 << 16);

	if (lf && text) {
		size_t n = fread(text, 1, (1 << 16) - 1, lf);

		text[n] = 0;
	}
	if (lf)
		fclose(lf);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
			fprintf(msg, "kcheck: the C compiler '%s' was not found (set CC)\n", cc);
		else if (!text || !explain(u, text, msg))
			fprintf(msg, "kcheck: %s did not compile the extracted code for %s:\n%s",
				cc, g->tag, text ? text : "");
		free(text);
		return KC_BAD_INPUT;
	}
	free(text);
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
	*(void **)&u->run = dlsym(u->handle, "kc_run");
	*(void **)&u->result_name = dlsym(u->handle, "kc_result_name");
	*(void **)&u->result_value = dlsym(u->handle, "kc_result_value");
	if (!u->run || !u->result_name || !u->result_value) {
		fprintf(msg, "kcheck: %s lacks the entry points kcheck wrote\n", so);
		return KC_ERROR;
	}
	for (int r = 0; r < MTHP_SCAN_RESULT_COUNT; r++)
		u->to_kernel[r] = u->result_value(mthp_scan_result_name(r));
	return 0;
}

void kc_unload(struct kc_unit *u)
{
	if (u->handle)
		dlclose(u->handle);
	u->handle = NULL;
	u->run = NULL;
}
