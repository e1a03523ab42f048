// SPDX-License-Identifier: MIT
/* kcheck's answer to an allocation that fails (oom.h). */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "oom.h"

__thread jmp_buf *kc_oom_at;

void kc_oom(void)
{
	if (kc_oom_at)
		longjmp(*kc_oom_at, 1);
	/* every kcheck call that allocates is guarded: this is not reached */
	dprintf(2, "kcheck: out of memory outside a guarded call\n");
	_exit(3);
}

int kc_out_of_memory(char *err, size_t errlen)
{
	snprintf(err, errlen, "kcheck: out of memory");
	return -ENOMEM;
}
