/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The console's one page (page.html, built into the binary by the
 * Makefile): markup, style and script in one file, no external asset. */
#ifndef VIGIL_PAGE_H
#define VIGIL_PAGE_H

extern const char console_page[], console_page_end[];

#endif /* VIGIL_PAGE_H */
