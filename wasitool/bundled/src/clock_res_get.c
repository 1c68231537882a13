/* clock_res_get.c - how fine are the clocks?
 * Teaches: clock_getres is wasi-libc's wrapper of clock_res_get; the resolution comes back in
 * nanoseconds (a struct timespec here). */
#include <time.h>

#include "examples.h"

static long long resolution_ns(clockid_t clock) {
    struct timespec res;
    if (clock_getres(clock, &res) != 0) return -1;
    return (long long)res.tv_sec * 1000000000LL + res.tv_nsec;
}

int main(void) {
    long long realtime = resolution_ns(CLOCK_REALTIME);
    long long monotonic = resolution_ns(CLOCK_MONOTONIC);
    EXAMPLE_CHECK(realtime >= 0 && monotonic >= 0, "clock_getres");
    printf("realtime resolution: %lld ns\n", realtime);
    printf("monotonic resolution: %lld ns\n", monotonic);
    return 0;
}
