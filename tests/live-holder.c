// SPDX-License-Identifier: MIT
/*
 * A process holding 8 whole PMD ranges of small pages for test-live: in
 * range i the first 64 * (i + 1) pages are written, the rest are none.
 * It says "ready" and waits until its standard input closes. Faults map
 * small pages: the process disables THP for them (PR_SET_THP_DISABLE)
 * and enables it again, so a prediction sees an ordinary process.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	unsigned long pmd = 0;

	if (!f || fscanf(f, "%lu", &pmd) != 1 || !pmd)
		return 77;
	fclose(f);
	char *raw = mmap(NULL, 9 * pmd, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (raw == MAP_FAILED)
		return 1;
	char *base = (char *)(((uintptr_t)raw + pmd - 1) & ~(uintptr_t)(pmd - 1));

	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		return 1;
	for (unsigned long i = 0; i < 8; i++)
		for (unsigned long k = 0; k < 64 * (i + 1); k++)
			base[i * pmd + k * (unsigned long)page] = 1;
	if (prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0))
		return 1;
	printf("ready\n");
	fflush(stdout);
	char c;

	while (read(0, &c, 1) > 0)
		;
	return 0;
}
