/* SPDX-License-Identifier: MIT */
/*
 * ktest in a virtual machine: a kernel image booted under QEMU with an
 * initramfs made here (a static busybox, this mthpsim and the libraries it
 * loads, the swap modules the kernel needs), the suites played inside the
 * guest by its own mthpsim ktest, and what that printed brought back.
 * Nothing of the host's THP settings is touched.
 */
#ifndef MTHPSIM_GUEST_H
#define MTHPSIM_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The architectures a guest can be. */
enum kt_arch { KT_ARCH_UNKNOWN, KT_ARCH_X86_64, KT_ARCH_ARM64, KT_ARCH_PPC64LE };

/* What to boot and what to run in it. */
struct kt_guest_opts {
	const char *image;          /* bzImage/vmlinuz, arm64 Image, ppc64le vmlinux */
	const char *modules;        /* a modules tree (lib/modules/RELEASE); NULL: look beside the image */
	const char *self;           /* the mthpsim to run inside (a path) */
	const char *busybox;        /* a statically linked busybox */
	const char *const *scenarios; /* files to play (NULL: the built-in suites) */
	size_t nscenarios;
	bool madvise, khugepaged;   /* which suites (both when neither) */
	const char *const *cases;   /* --case names of the one suite named */
	size_t ncases;
	const char *model;          /* --model for the guest, or NULL */
	bool json;                  /* the guest prints JSON */
	bool keep;                  /* --keep: DIFFER cases' processes stay, for
				     * $MTHPSIM_GUEST_COMMAND to look at */
	unsigned int timeout;       /* seconds a boot may take, suites included */
	unsigned int memory_mb;
	const char *accel;          /* "kvm", "tcg", or NULL: kvm when it works */
	const char *scratch_parent; /* where the scratch directory goes */
	/* progress and the console, as they come (may be NULL) */
	void (*progress)(void *ctx, const char *what);
	void *ctx;
};

/* One suite's run inside the guest. */
struct kt_guest_suite {
	char name[16];    /* "madvise" or "khugepaged" */
	int status;       /* the guest mthpsim's exit status */
	char *out;        /* what it printed on standard output */
	char *err;        /* and on standard error */
};

struct kt_guest_result {
	enum kt_arch arch;
	char release[128];   /* the guest kernel's, as uname -r says */
	char accel[8];       /* "kvm" or "tcg" */
	char swap[64];       /* the swap device the guest has, or "" */
	char machine[160];   /* the QEMU machine, CPU and memory */
	unsigned int boots;  /* boots it took (a second one after a failure) */
	double seconds;      /* the last boot, from start to power-off */
	struct kt_guest_suite suites[2];
	size_t nsuites;
	char *command_out;   /* what $MTHPSIM_GUEST_COMMAND printed, or NULL */
	/* when it failed: why, and the console's last lines */
	char why[1400];
	char *console_tail;
};

/* Boots and runs: 0, or -1 with r->why (and r->console_tail). Every
 * process it started and its scratch directory are gone when it returns,
 * on an interrupt (kt_guest_interrupt()) too. */
int kt_guest_run(const struct kt_guest_opts *o, struct kt_guest_result *r);
void kt_guest_result_free(struct kt_guest_result *r);
/* From a signal handler: stops a running guest; kt_guest_run() returns. */
void kt_guest_interrupt(void);
/* The image's architecture (from its header): KT_ARCH_UNKNOWN when it is
 * none this knows, with why. */
enum kt_arch kt_image_arch(const char *image, char *why, size_t len);
const char *kt_arch_name(enum kt_arch a);
/* The architecture this program was built for. */
enum kt_arch kt_host_arch(void);
/* Whether path is an ELF executable for arch - statically linked when
 * static_only (what a guest of another architecture can run, with no
 * loader or library of its own gathered): 0, or -1 with why. */
int kt_elf_for(const char *path, enum kt_arch arch, bool static_only, char *why,
	       size_t len);

#endif
