/* SPDX-License-Identifier: MIT */
/* mthpsim kcheck: a kernel file's function beside a model, or beside
 * another file's. */
#ifndef MTHP_KCHECK_H
#define MTHP_KCHECK_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mthpcollapse/mthpcollapse.h"
#include "extract.h"
#include "oom.h"

enum { KC_OK = 0, KC_DIFFER = 1, KC_BAD_INPUT = 2, KC_ERROR = 3 };

/* What the generated entry point takes (the same layout on both sides). */
struct kc_case {
	const unsigned long *bitmap;
	unsigned long orders;
	int khugepaged, uffd, referenced;
	unsigned int max_ptes_none, unmapped;
	int (*answer)(void *ctx, unsigned int offset, unsigned int order,
		      int referenced, int unmapped);
	void *ctx;
};


/* What the kernel code raised during one call. */
struct kc_findings {
	unsigned int warnings; /* WARN_ON_ONCE and kin that fired */
	unsigned int bugs;     /* BUG_ON and kin: the call stopped there */
	int bug_line;          /* where, in the file */
	/* VM_WARN_ON_FOLIO and kin: the file asserts a folio cannot be what
	 * the case made it (a state its callers rule out); the case is not
	 * compared */
	unsigned int assumed;
	int assumed_line;
};
typedef long (*kc_run_fn)(const struct kc_case *c, struct kc_findings *f);

/*
 * What the scan's entry point takes: one PMD range of a scenario, the
 * layout the kernel environment's fakes read (kernel/khugepaged.h has
 * the same struct kc_fake_pte).
 */
struct kc_fake_pte {
	uint8_t kind, order;
	uint16_t flags;
};
struct kc_scan_case {
	const struct kc_fake_pte *ptes; /* HPAGE_PMD_NR entries */
	int pmd;                        /* 0: a PTE table, 1: none, 2: a PMD */
	int khugepaged, uffd;
	unsigned long vm_flags;         /* the kernel's VM_HUGEPAGE, VM_NOHUGEPAGE */
	unsigned int max_ptes_none, max_ptes_swap, max_ptes_shared;
	unsigned long orders;           /* what thp_vma_allowable_orders() allows */
	int (*attempt)(void *ctx, unsigned int offset, unsigned int order,
		       int referenced, int unmapped);
	void (*vm_event)(void *ctx, int item, long n);
	void (*mthp_stat)(void *ctx, int order, int item, long n);
	void (*traced)(void *ctx, long referenced, long none_or_zero,
		       long status, long unmapped);
	void *ctx;
	unsigned long *bitmap;          /* out: the occupancy bitmap, if any */
	int has_bitmap;                 /* out */
};
typedef long (*kc_scan_fn)(const struct kc_scan_case *c, struct kc_findings *f);


struct kc_geometry {
	char tag[48];
	unsigned int page_shift, pmd_nr, max_ptrs, pmd_order;
	/* the PTEs per table are a boot-time value (ppc64 book3s64, or a
	 * custom geometry whose table is smaller than its maximum) */
	bool at_boot;
};

/* The names kcheck's kernel environment supplies. */
struct kc_env {
	char **names;
	size_t n;
};
/* Reads them from env_dir/mthpcollapse/kernel/khugepaged.h and
 * public_dir/mthpcollapse/kernel/spellings.h; 0, or -1 with err. */
int kc_env_load(struct kc_env *e, const char *env_dir, const char *public_dir,
		char *err, size_t errlen);
bool kc_env_has(const struct kc_env *e, const char *name);
void kc_env_free(struct kc_env *e);

/*
 * A jail for the compiler and for the file's code (jail.c): a root of its
 * own at root (an empty directory kcheck owns), holding ro (the kernel
 * environment's directories) read-only and rw (the unit's directory)
 * read-write, and for the compiler /usr too.
 */
struct kc_jail {
	const char *root;
	const char *ro[4];
	const char *rw;
	const char *also_rw; /* a coverage build's tree, for its counts */
	bool keep_user;      /* a coverage build: root writes the counts */
	bool compile;
	unsigned long as_bytes;   /* RLIMIT_AS (with compile: at the exec); 0: none */
	unsigned int cpu_seconds; /* RLIMIT_CPU; 0: none */
};
/* In a child process: the jail entered; 0, or -1 with why. The process
 * that returns is a new one, the caller's grandchild's child, in
 * namespaces of its own; the caller's child ends as it does. */
int kc_jail_enter(const struct kc_jail *j, char *why, size_t len);
/* Whether this machine can make one (tried once): 0, or -1 with why. */
int kc_jail_available(char *why, size_t len);

/* One kernel file, extracted, generated and (per geometry) loaded. */
struct kc_unit {
	struct kc_file file;
	const struct kc_env *env; /* set before kc_generate(); may be NULL */
	/* where the compiler and the code run jailed: an empty directory for
	 * the jail's root (NULL: --unconfined, no jail) */
	const char *jail_root;
	char dir[640];     /* scratch directory */
	char so_path[760]; /* what kc_compile() built, for kc_load() */
	char c_path[700];
	char shape[256];   /* "enum scan_result mthp_collapse(mm, ...)" */
	bool returns_result, returns_count, uses_vma;
	/* the scan: set before kc_generate(); after it, whether the scan
	 * hands the bitmap to mthp_collapse() (the series) or calls
	 * collapse_huge_page() itself (mainline before it) */
	bool scan, calls_engine, has_bitmap;
	void *handle;
	kc_run_fn run;
	kc_scan_fn scan_run;
	const char *(*result_name)(long v);
	long (*result_value)(const char *name);
	long to_kernel[MTHP_SCAN_RESULT_COUNT]; /* -1: not in the file */
	/* the compiler's warnings about the file's own lines, once each */
	char **warnings;
	size_t nwarnings;
	/* what kcheck stubbed: "collapse_huge_page", "trace_..." */
	char stubs[16][64];
	size_t nstubs;
	char stub_header[256]; /* collapse_huge_page()'s, as the file has it */
	/* cc->policy (the mm tree's struct collapse_policy): its field, and
	 * the file's functions that fill it for khugepaged and MADV_COLLAPSE
	 * ("": none, kcheck fills it by field) */
	char policy_field[64], policy_kh[96], policy_madv[96];
	/* what kcheck sets for each case: "cc->is_khugepaged: the mode" */
	char inputs[32][256];
	size_t ninputs;
};

/* Extracts function from the file at path, whose lines messages call
 * display (the file as the user named it), and writes the unit. */
int kc_generate(struct kc_unit *u, const char *path, const char *display,
		const char *function, char *err, size_t errlen);
/* Builds the unit for g: 0; KC_BAD_INPUT with located messages on msg;
 * KC_ERROR. Warnings about the file's own lines are kept in u->warnings.
 * Nothing of the file's code runs here. */
int kc_compile(struct kc_unit *u, const struct kc_geometry *g,
	       const char *include_dir, const char *public_dir, FILE *msg);
/* Loads what kc_compile() built - this runs the file's code (its
 * constructors) - into the calling process: 0, KC_BAD_INPUT, KC_ERROR. */
int kc_load(struct kc_unit *u, FILE *msg);
void kc_unload(struct kc_unit *u);
/* The library's result for the value v of the file's enum scan_result
 * (matched by meaning, whatever the file calls it), or -1. */
int kc_result_of(const struct kc_unit *u, long v);
/* Set by a signal handler: the waits for the compiler and git stop. */
extern volatile sig_atomic_t kc_interrupted;

/* The most a source, a patch or a log may hold. */
#define KC_MAX_SOURCE (64u << 20)
/* A whole file of at most limit bytes, NUL-terminated, or NULL with a
 * message in err. */
char *kc_read_file(const char *path, size_t limit, size_t *len, char *err,
		   size_t errlen);
/* Runs argv without a shell, standard output to out and standard error
 * to errlog (NULL: to out too), in the C locale; the status as waitpid()
 * gives it, or -1. A signal that sets kc_interrupted stops the wait. */
int kc_run(char *const argv[], const char *out, const char *errlog);
/* The same, in jail j (NULL: as kc_run()). */
int kc_run_jailed(char *const argv[], const char *out, const char *errlog,
		  const struct kc_jail *j);
/* Everything kc_generate() and kc_compile() kept. */
void kc_unit_free(struct kc_unit *u);

/*
 * What kcheck compiled, for a reviewer (--explain): the file's items it
 * took, in the file's order (with the headers it includes), and the names
 * of the kernel environment (u->env) the code uses. The stubs and what
 * kcheck sets per case are in the unit (stubs, inputs).
 */
struct kc_taken {
	const char *kind; /* "function", "macro", "type", "variable", ... */
	char name[96];
	const char *file; /* NULL: the file itself; else the header's name */
	unsigned int line;
	bool conditional; /* inside an #if group: the compiler picks */
};
struct kc_explained {
	struct kc_taken *taken;
	size_t ntaken;
	char (*env)[64];
	size_t nenv;
};
/* 0, or -ENOMEM (e is then empty). */
int kc_explain(const struct kc_unit *u, struct kc_explained *e);
void kc_explained_free(struct kc_explained *e);

#endif
