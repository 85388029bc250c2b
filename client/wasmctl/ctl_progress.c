/*
 * ctl_progress.c - the progress line of long requests.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ctl_progress.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *progress_main(void *arg)
{
	ctl_progress *p = arg;
	pthread_mutex_lock(&p->lock);
	for (unsigned tick = 1; !p->done; tick++) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		while (!p->done && pthread_cond_timedwait(&p->cond, &p->lock, &until) == 0)
			;
		if (p->done)
			break;
		if (p->tty)
			fprintf(stderr, "\r%s... %u s", p->what, tick);
		else if (!p->shown)
			fprintf(stderr, "%s...", p->what);
		fflush(stderr);
		p->shown = true;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

void ctl_progress_start(ctl_progress *p, const char *what)
{
	p->done = false;
	p->shown = false;
	p->tty = isatty(2);
	p->what = what;
	p->t0 = now();
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	p->started = pthread_create(&p->thread, NULL, progress_main, p) == 0;
}

double ctl_progress_stop(ctl_progress *p)
{
	double secs = now() - p->t0;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->done = true;
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	if (p->shown) {
		if (p->tty)
			fprintf(stderr, "\r%s... %.0f s\n", p->what, secs);
		else
			fprintf(stderr, " %.0f s\n", secs);
	}
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	return secs;
}
