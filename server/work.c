#include "work.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

struct job {
	work_run_fn run;
	work_done_fn done;
	void *arg;
	struct job *next;
};

struct job_list {
	struct job *head, *tail;
};

struct work_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job_list todo;     /* waiting for a worker */
	struct job_list finished; /* run; done() pending on the loop */
	int pending;
	bool stopping;
	int nthreads;
	pthread_t *threads;
	int notify_pipe[2];       /* workers write a byte; the loop drains */
	struct event *notify_ev;
};

static void list_push(struct job_list *l, struct job *j)
{
	j->next = NULL;
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

static struct job *list_take_all(struct job_list *l)
{
	struct job *head = l->head;

	l->head = l->tail = NULL;
	return head;
}

static void *worker_main(void *arg)
{
	work_pool *pool = arg;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct job *j;

		while (!pool->todo.head && !pool->stopping)
			pthread_cond_wait(&pool->wake, &pool->lock);
		if (pool->stopping)
			break;
		j = pool->todo.head;
		pool->todo.head = j->next;
		if (!pool->todo.head)
			pool->todo.tail = NULL;
		pthread_mutex_unlock(&pool->lock);

		j->run(j->arg);

		pthread_mutex_lock(&pool->lock);
		list_push(&pool->finished, j);
		/* A full pipe already guarantees a wake-up; EAGAIN is fine. */
		if (write(pool->notify_pipe[1], "x", 1) < 0 && errno != EAGAIN)
			abort();
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

static void run_done(work_pool *pool, struct job *j, bool cancelled)
{
	while (j) {
		struct job *next = j->next;
		work_done_fn done = j->done;
		void *arg = j->arg;

		free(j);
		pool->pending--;
		if (done)
			done(arg, cancelled);
		j = next;
	}
}

static void on_notify(evutil_socket_t fd, short what, void *arg)
{
	work_pool *pool = arg;
	char buf[256];
	struct job *j;

	(void)what;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&pool->lock);
	j = list_take_all(&pool->finished);
	pthread_mutex_unlock(&pool->lock);
	run_done(pool, j, false);
}

int work_pool_new(struct event_base *base, int nthreads, work_pool **out)
{
	work_pool *pool = calloc(1, sizeof(*pool));

	*out = NULL;
	if (!pool)
		return LL_ENOMEM;
	pool->notify_pipe[0] = pool->notify_pipe[1] = -1;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	if (pipe2(pool->notify_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		goto fail;
	pool->notify_ev = event_new(base, pool->notify_pipe[0], EV_READ | EV_PERSIST,
		on_notify, pool);
	if (!pool->notify_ev || event_add(pool->notify_ev, NULL) < 0)
		goto fail;
	pool->threads = calloc((size_t)nthreads, sizeof(pthread_t));
	if (!pool->threads)
		goto fail;
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&pool->threads[i], NULL, worker_main, pool) != 0)
			goto fail;
		pool->nthreads++;
	}
	*out = pool;
	return 0;
fail:
	work_pool_free(pool);
	return LL_ENOMEM;
}

void work_pool_free(work_pool *pool)
{
	struct job *j;

	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	/* Threads are gone: no lock needed any more. */
	run_done(pool, list_take_all(&pool->finished), false);
	j = list_take_all(&pool->todo);
	run_done(pool, j, true);
	if (pool->notify_ev)
		event_free(pool->notify_ev);
	if (pool->notify_pipe[0] >= 0)
		close(pool->notify_pipe[0]);
	if (pool->notify_pipe[1] >= 0)
		close(pool->notify_pipe[1]);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool->threads);
	free(pool);
}

int work_submit(work_pool *pool, work_run_fn run, work_done_fn done, void *arg)
{
	struct job *j = malloc(sizeof(*j));

	if (!j)
		return LL_ENOMEM;
	j->run = run;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&pool->lock);
	list_push(&pool->todo, j);
	pool->pending++;
	pthread_cond_signal(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	return 0;
}

int work_pool_pending(work_pool *pool)
{
	return pool->pending;
}
