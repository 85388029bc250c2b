/*
 * ctl_progress.h - "compiling FILE... N s" on stderr while a long request
 * runs: a timer thread that stays silent for the first second.
 *
 * On a terminal the line is redrawn every second; otherwise "compiling
 * FILE..." appears after one second and " N s" is added when done.
 */
#ifndef CTL_PROGRESS_H
#define CTL_PROGRESS_H

#include <pthread.h>
#include <stdbool.h>

typedef struct ctl_progress {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	bool shown;      /* something was printed */
	bool tty;
	bool started;    /* the thread runs */
	double t0;
	const char *what; /* "compiling FILE" (borrowed) */
} ctl_progress;

/* Starts the timer (never fails: without a thread, no progress line). */
void ctl_progress_start(ctl_progress *p, const char *what);

/* Stops it and finishes the line; returns the seconds elapsed. */
double ctl_progress_stop(ctl_progress *p);

#endif
