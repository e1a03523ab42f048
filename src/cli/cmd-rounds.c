// SPDX-License-Identifier: MIT
/* placeholder, replaced below */
#include "cli.h"
int cmd_rounds(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int cmd_report(int argc, char **argv) { (void)argc; (void)argv; return 1; }
