// SPDX-License-Identifier: MIT
/* The diagnostics hook: why a call was refused, said to the caller. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static mthp_log_fn hook;
static void *hook_ctx;

MTHP_EXPORT mthp_log_fn mthp_set_log(mthp_log_fn fn, void *ctx)
{
	pthread_mutex_lock(&lock);
	mthp_log_fn old = hook;

	hook = fn;
	hook_ctx = ctx;
	pthread_mutex_unlock(&lock);
	return old;
}

MTHP_EXPORT mthp_log_fn mthp_get_log(void **ctx)
{
	pthread_mutex_lock(&lock);
	mthp_log_fn fn = hook;

	if (ctx)
		*ctx = hook_ctx;
	pthread_mutex_unlock(&lock);
	return fn;
}

void mthp_say_refusal(const char *msg)
{
	pthread_mutex_lock(&lock);
	mthp_log_fn fn = hook;
	void *ctx = hook_ctx;

	pthread_mutex_unlock(&lock);
	if (fn)
		fn(MTHP_LOG_WARN, msg, ctx);
}

int mthp_refuse(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	pthread_mutex_lock(&lock);
	mthp_log_fn fn = hook;
	void *ctx = hook_ctx;

	pthread_mutex_unlock(&lock);
	if (!fn)
		return -EINVAL; /* silent: nothing to format */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(MTHP_LOG_WARN, msg, ctx);
	return -EINVAL;
}
