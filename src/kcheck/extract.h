/* SPDX-License-Identifier: MIT */
/*
 * Extraction of one function and what it needs from a kernel C file:
 * the file is split into top-level items (directives, declarations,
 * definitions), each with the names it defines and the names it uses;
 * the closure of the target function over those names is what kcheck
 * compiles. Nothing here understands C beyond tokens and brackets.
 */
#ifndef MTHP_KCHECK_EXTRACT_H
#define MTHP_KCHECK_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>

enum kc_item_kind {
	KC_DEFINE,    /* #define NAME ... */
	KC_DIRECTIVE, /* any other preprocessor line: not extracted */
	KC_FUNCTION,  /* a function definition */
	KC_PROTO,     /* a function declaration */
	KC_TYPE,      /* struct/union/enum definition, typedef */
	KC_VARIABLE,  /* a variable */
	KC_OTHER      /* anything else at file scope */
};

/* Where an item sits among the file's #if/#ifdef groups: the group and
 * the branch (0: the #if itself, 1..: each #elif or #else in turn). */
struct kc_cond {
	size_t group, branch;
};

struct kc_item {
	enum kc_item_kind kind;
	size_t start, end;        /* byte range in the file */
	unsigned int line;        /* line of start */
	char **defines;           /* names it defines ("struct x" for tags) */
	size_t ndefines;
	char **uses;              /* names it uses */
	unsigned int *use_lines;  /* and where, one line each */
	unsigned int *use_cols;
	size_t nuses;
	struct kc_cond *conds;    /* outermost first */
	size_t nconds;
	bool wanted;
	const char *path;         /* its file, as messages name it */
	bool from_header;         /* in a header the file includes */
};

/* One #if/#ifdef/#ifndef group at file scope: its directives in order
 * (the opening one, each #elif and #else; not the #endif). */
struct kc_group {
	size_t *start, *end;
	unsigned int *line;
	const char **path;
	size_t n;
};

/*
 * A stretch of the text that comes from one file: the file itself, or a
 * header it includes with #include "name" (found beside it), which is read
 * in the include's place, as the preprocessor would. Lines and paths of
 * items are given in the file they come from.
 */
struct kc_segment {
	size_t start;            /* where it begins in the text */
	unsigned int text_line;  /* the text's line there */
	unsigned int line;       /* the same line in its own file */
	char *path;              /* that file, as messages name it */
	bool header;
};

struct kc_file {
	char *path;
	char *text;
	size_t len;
	struct kc_item *items;
	size_t nitems;
	struct kc_group *groups;
	size_t ngroups;
	struct kc_segment *segs;
	size_t nsegs;
};

/* Reads and splits path, with the headers it includes from beside it;
 * 0, or -errno with a message in err. */
/* Reads and splits path (only it); 0, or -errno with a message in err. */
int kc_file_load(struct kc_file *f, const char *path, char *err, size_t errlen);
/* The same, with the headers it includes from beside it (#include
 * "name"), read in place, and messages naming the file display (and its
 * headers beside display: "linux@v7.3:mm/collapse.h"). */
int kc_file_open(struct kc_file *f, const char *path, const char *display,
		 char *err, size_t errlen);
/* Whether a compiler message starts with one of the file's paths
 * ("PATH:"), its headers' included. */
bool kc_file_says(const struct kc_file *f, const char *line);
/* The headers read with the file (their display names), in order. */
size_t kc_file_headers(const struct kc_file *f, const char **names, size_t max);
/* Splits text (len bytes, copied) that messages call name. */
int kc_file_parse(struct kc_file *f, const char *name, const char *text,
		  size_t len, char *err, size_t errlen);
void kc_file_free(struct kc_file *f);
/* The item that defines name as kind (or any kind when kind < 0). */
struct kc_item *kc_find(const struct kc_file *f, const char *name, int kind);
/*
 * Marks the target and everything it needs, transitively, as wanted;
 * names in stop are not followed (stubbed). A name supplied() says the
 * environment has is not taken from a header the file includes (the
 * file's own definitions still win). supplied may be NULL. Returns the
 * target, or NULL.
 */
struct kc_item *kc_closure(struct kc_file *f, const char *target,
			   const char *const *stop,
			   bool (*supplied)(const char *name, const void *ctx),
			   const void *ctx);

/* A function's parameters, split: type text and name of each. */
struct kc_param {
	char type[128];
	char name[64];
};
/* The return type text and the parameters of a function or prototype
 * item; 0, or -1 when the header does not look like one. */
int kc_signature(const struct kc_file *f, const struct kc_item *it,
		 char *ret, size_t retlen, struct kc_param *params,
		 size_t max, size_t *n);
/* The text of an item's header: everything before its body's '{'. */
size_t kc_header_len(const struct kc_file *f, const struct kc_item *it);

/* Whether an item uses name. */
bool kc_item_uses(const struct kc_item *it, const char *name);
/* The scan functions' names across revisions, newest first. */
extern const char *const kc_scan_names[];
/* The scan function of a file: by name, else by its role (the function
 * that maps the PTE table and calls a collapse); NULL when there is none. */
const char *kc_find_scan(const struct kc_file *f);

#endif
