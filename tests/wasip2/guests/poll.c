#include <poll.h>
#include <stdio.h>
int main(void) {
    struct pollfd p = {0, POLLIN, 0};
    int r = poll(&p, 1, 50);
    printf("poll: %d revents=%d\n", r, p.revents);
    return 0;
}
