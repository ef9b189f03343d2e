/* Helper threads that never take a signal: SIGINT, SIGTERM and the rest
 * stay with the threads that handle them (the capture loop's poll() must be
 * the one a stop interrupts). */
#ifndef PORTSNIFF_QUIET_THREAD_H
#define PORTSNIFF_QUIET_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread; its result. */
int quiet_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
