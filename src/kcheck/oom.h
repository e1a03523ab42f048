/* SPDX-License-Identifier: MIT */
/* kcheck's answer to an allocation that fails: back to the guarded call. */
#ifndef MTHP_KCHECK_OOM_H
#define MTHP_KCHECK_OOM_H

#include <setjmp.h>
#include <stddef.h>

/*
 * Out of memory inside kcheck's readers and generators: kc_oom() jumps
 * back to the innermost call that was KC_GUARDED (each kcheck call that
 * allocates is), which then fails saying so. Nothing is freed on the way:
 * the process is short of memory, and the caller is told.
 */
extern __thread jmp_buf *kc_oom_at;
_Noreturn void kc_oom(void);
/* "kcheck: out of memory" into err: -ENOMEM. */
int kc_out_of_memory(char *err, size_t errlen);
#define KC_GUARDED(result, call, on_oom)                                 \
	do {                                                             \
		jmp_buf kc_jb_;                                          \
		jmp_buf *const kc_outer_ = kc_oom_at;                    \
		if (setjmp(kc_jb_)) {                                    \
			kc_oom_at = kc_outer_;                           \
			on_oom;                                          \
		} else {                                                 \
			kc_oom_at = &kc_jb_;                             \
			result = (call);                                 \
			kc_oom_at = kc_outer_;                           \
		}                                                        \
	} while (0)

#endif
