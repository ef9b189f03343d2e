/* How long a test waits for another thread: a minute, after which it is a
 * failure, not a hang. Far beyond what any wait takes on a busy 2-core
 * machine under the sanitizers (seconds at most). */
#ifndef PS_TESTS_DEADLINE_H
#define PS_TESTS_DEADLINE_H

#include <time.h>

/* A minute from now on the realtime clock (sem_timedwait, pthread_timedjoin_np). */
static inline struct timespec a_minute_on(void)
{
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 60;
    return limit;
}

#endif
