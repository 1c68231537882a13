/* examples.h - small helpers shared by the C examples (one place, so a change rebuilds them all).
 * Teaches: SCons scans C headers; editing this file rebuilds exactly the examples that include it. */
#ifndef WASITOOL_EXAMPLES_H
#define WASITOOL_EXAMPLES_H

#include <stdio.h>

/* Print `what` and the errno message to stderr and return 1 from main when `cond` is false. */
#define EXAMPLE_CHECK(cond, what)                                                                  \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            perror(what);                                                                          \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

static inline const char *yes_no(int condition) { return condition ? "yes" : "no"; }

#endif
