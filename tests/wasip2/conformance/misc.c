/* Clocks (res and time of every clock id, invalid ids), poll_oneoff (relative and absolute clocks, stdin,
   an empty subscription list), random_get of big buffers, sched_yield, args and environ (empty, unicode,
   many), stdin read to EOF, the exit status given as the last argument. */
#include "conf.h"

static void clock(const char *what, __wasi_clockid_t id) {
    __wasi_timestamp_t res = 0, t1 = 0, t2 = 0;
    __wasi_errno_t err = __wasi_clock_res_get(id, &res);
    if (err) { report(what, err); }
    else printf("%s res: nonzero %d below 1s %d\n", what, res > 0, res <= 1000000000ULL);
    err = __wasi_clock_time_get(id, 1, &t1);
    __wasi_clock_time_get(id, 1, &t2);
    if (err) report(what, err);
    else printf("%s time: nonzero %d ordered %d\n", what, t1 > 0, t2 >= t1);
}

static void poll_clock(const char *what, __wasi_clockid_t id, __wasi_timestamp_t timeout, int absolute) {
    __wasi_subscription_t sub = {0};
    sub.userdata = 42;
    sub.u.tag = __WASI_EVENTTYPE_CLOCK;
    sub.u.u.clock.id = id;
    sub.u.u.clock.timeout = timeout;
    sub.u.u.clock.flags = absolute ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
    __wasi_event_t ev = {0};
    __wasi_size_t n = 0;
    __wasi_errno_t err = __wasi_poll_oneoff(&sub, &ev, 1, &n);
    if (err) { report(what, err); return; }
    printf("%s: n %u userdata %llu error %d type %d\n", what, (unsigned)n, (unsigned long long)ev.userdata,
           (int)ev.error, (int)ev.type);
}

int main(int argc, char **argv) {
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d] %zu [%s]\n", i, strlen(argv[i]), argv[i]);
    __wasi_size_t count = 0, size = 0;
    report("environ_sizes_get", __wasi_environ_sizes_get(&count, &size));
    printf("environ: %u entries %u bytes\n", (unsigned)count, (unsigned)size);
    extern char **environ;
    for (char **e = environ; *e; e++) if (!strncmp(*e, "CONF_", 5)) printf("env [%s]\n", *e);

    clock("realtime", __WASI_CLOCKID_REALTIME);
    clock("monotonic", __WASI_CLOCKID_MONOTONIC);
    clock("process", __WASI_CLOCKID_PROCESS_CPUTIME_ID);
    clock("thread", __WASI_CLOCKID_THREAD_CPUTIME_ID);
    clock("clock 4", 4);
    clock("clock 99", 99);

    poll_clock("poll monotonic 1ms", __WASI_CLOCKID_MONOTONIC, 1000000, 0);
    poll_clock("poll monotonic 0", __WASI_CLOCKID_MONOTONIC, 0, 0);
    __wasi_timestamp_t now = 0;
    __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &now);
    poll_clock("poll monotonic absolute", __WASI_CLOCKID_MONOTONIC, now + 2000000, 1);
    poll_clock("poll monotonic absolute past", __WASI_CLOCKID_MONOTONIC, 1, 1);
    __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &now);
    poll_clock("poll realtime relative", __WASI_CLOCKID_REALTIME, 1000000, 0);
    poll_clock("poll realtime absolute", __WASI_CLOCKID_REALTIME, now + 1000000, 1);
    poll_clock("poll process", __WASI_CLOCKID_PROCESS_CPUTIME_ID, 1000000, 0);
    __wasi_event_t ev;
    __wasi_size_t n = 0;
    report("poll none", __wasi_poll_oneoff(NULL, &ev, 0, &n));

    /* stdin ready to read, and a long timeout beside it */
    __wasi_subscription_t subs[2] = {0};
    subs[0].userdata = 1; subs[0].u.tag = __WASI_EVENTTYPE_FD_READ; subs[0].u.u.fd_read.file_descriptor = 0;
    subs[1].userdata = 2; subs[1].u.tag = __WASI_EVENTTYPE_CLOCK; subs[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    subs[1].u.u.clock.timeout = 10000000000ULL;
    __wasi_event_t evs[2] = {0};
    report("poll stdin", __wasi_poll_oneoff(subs, evs, 2, &n));
    for (unsigned i = 0; i < n; i++)
        printf("poll stdin event: userdata %llu error %d type %d\n", (unsigned long long)evs[i].userdata,
               (int)evs[i].error, (int)evs[i].type);
    /* a bad fd in a subscription */
    subs[0].u.u.fd_read.file_descriptor = 99;
    subs[1].u.u.clock.timeout = 0;
    report("poll bad fd", __wasi_poll_oneoff(subs, evs, 2, &n));
    for (unsigned i = 0; i < n; i++)
        printf("poll bad fd event: userdata %llu error %d type %d\n", (unsigned long long)evs[i].userdata,
               (int)evs[i].error, (int)evs[i].type);

    static uint8_t big[1 << 20];
    report("random 1 MiB", __wasi_random_get(big, sizeof big));
    int zeros = 0;
    for (size_t i = 0; i < sizeof big; i++) zeros += big[i] == 0;
    printf("random zero bytes under 1%%: %d\n", zeros < (int)(sizeof big / 100));
    report("random 0", __wasi_random_get(big, 0));
    report("sched_yield", __wasi_sched_yield());

    /* stdin to EOF */
    char buf[7]; size_t total = 0; int reads = 0;
    for (;;) {
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
        __wasi_size_t got = 0;
        __wasi_errno_t err = __wasi_fd_read(0, &iov, 1, &got);
        if (err) { report("read stdin", err); break; }
        if (got == 0) break;
        fwrite(buf, 1, got, stdout);
        total += got; reads++;
    }
    printf("stdin: %zu bytes\n", total);
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t got = 99;
    report("read stdin after EOF", __wasi_fd_read(0, &iov, 1, &got));
    printf("after EOF got %u\n", (unsigned)got);
    fprintf(stderr, "to stderr\n");
    fflush(stdout);
    int status = argc > 1 ? atoi(argv[argc - 1]) : 0;
    if (status) __wasi_proc_exit(status);
    return 0;
}
