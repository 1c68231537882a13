/* clock_time_get.c - what time is it, and does time go forward?
 * Teaches: clock_gettime is wasi-libc's wrapper of clock_time_get. The realtime clock gives
 * seconds since the epoch (its value varies, so the expectation is a regex); the monotonic clock
 * never goes back. */
#include <time.h>

#include "examples.h"

int main(void) {
    struct timespec now, first, second;
    EXAMPLE_CHECK(clock_gettime(CLOCK_REALTIME, &now) == 0, "clock_gettime(CLOCK_REALTIME)");
    EXAMPLE_CHECK(clock_gettime(CLOCK_MONOTONIC, &first) == 0, "clock_gettime(CLOCK_MONOTONIC)");
    EXAMPLE_CHECK(clock_gettime(CLOCK_MONOTONIC, &second) == 0, "clock_gettime(CLOCK_MONOTONIC)");
    int forward = second.tv_sec > first.tv_sec ||
                  (second.tv_sec == first.tv_sec && second.tv_nsec >= first.tv_nsec);
    printf("realtime: %lld s\n", (long long)now.tv_sec);
    printf("realtime after 2020: %s\n", yes_no(now.tv_sec > 1577836800)); /* 2020-01-01T00:00Z */
    printf("monotonic never goes back: %s\n", yes_no(forward));
    return 0;
}
