/* Helper threads that never take a signal (quiet_thread.h): a new thread
 * inherits its creator's signal mask, so the creator blocks everything for
 * the moment of the creation. */
#include <signal.h>

#include "quiet_thread.h"

int quiet_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int err = pthread_create(thread, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return err;
}
