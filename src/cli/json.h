/* SPDX-License-Identifier: MIT */
/* A tiny streaming JSON writer: enough for mthpsim's reports. */
#ifndef MTHPSIM_JSON_H
#define MTHPSIM_JSON_H

#include <stdbool.h>
#include <stdio.h>

struct json {
	FILE *f;
	int depth;
	bool first[32]; /* per level: no element written yet */
	bool pending_key;
};

void json_init(struct json *j, FILE *f);
/* A writer for one value that another writer, at depth (after its key),
 * will copy in as it is (json_raw): written ahead into another file. */
void json_init_value(struct json *j, FILE *f, int depth);
void json_key(struct json *j, const char *key);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, unsigned long long v);
void json_int(struct json *j, long long v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* A value that is JSON already (another mthpsim's report), as it is. */
void json_raw(struct json *j, const char *text);

/* key + value in one call */
void json_kstring(struct json *j, const char *key, const char *s);
void json_kuint(struct json *j, const char *key, unsigned long long v);
void json_kbool(struct json *j, const char *key, bool v);

#endif
