/*
 * wcl_admin.c - cache, process and status management requests.
 */
#include <stdlib.h>
#include <string.h>

#include <wasmc/admin.h>

#include "wcl_conn.h"
#include "wcl_error.h"

/* One request with no other content than its body. */
static wasmc_error *admin_request(wasmc_conn *conn, Wasmc__V1__Request *req,
                                  Wasmc__V1__Response__BodyCase expect,
                                  wcl_reply **ret_reply)
{
	if (conn == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "NULL connection");
	return wcl_request(conn, conn->transport, req, WCL_WAIT_SHORT, expect, ret_reply);
}

/* Strings of a result live in one block after the struct: a builder that
 * counts, then copies. */
static size_t str_size(const char *s)
{
	return strlen(s ? s : "") + 1;
}

static const char *str_put(char **pos, const char *s)
{
	size_t n = str_size(s);
	char *p = *pos;
	memcpy(p, s ? s : "", n);
	*pos += n;
	return p;
}

/* ---- cache ---- */

wasmc_error *wasmc_cache_list_get(wasmc_conn *conn, wasmc_cache_list **ret_list)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__CacheList body = WASMC__V1__CACHE_LIST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_CACHE_LIST;
	req.cache_list = &body;
	wcl_reply *r;
	wasmc_error *e = admin_request(conn, &req, WASMC__V1__RESPONSE__BODY_CACHE_LIST, &r);
	if (e)
		return e;
	const Wasmc__V1__CacheListReply *cl = r->msg->cache_list;
	size_t n = cl ? cl->n_entries : 0, strings = 0;
	for (size_t i = 0; i < n; i++)
		strings += str_size(cl->entries[i]->fingerprint);
	wasmc_cache_list *list = calloc(1, sizeof *list + n * sizeof(wasmc_cache_entry) + strings);
	if (list == NULL) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	list->entries = (wasmc_cache_entry *)(list + 1);
	char *pos = (char *)(list->entries + n);
	for (size_t i = 0; i < n; i++) {
		const Wasmc__V1__CacheEntry *in = cl->entries[i];
		wasmc_cache_entry *out = &list->entries[i];
		if (in->digest.len == 32)
			memcpy(out->digest, in->digest.data, 32);
		wcl_hex(out->digest, 32, out->digest_hex);
		out->fingerprint = str_put(&pos, in->fingerprint);
		out->tier = (int)in->tier >= 0 && (int)in->tier <= 2 ? (wasmc_tier)in->tier
		                                                    : WASMC_TIER_DEFAULT;
		out->size = in->size;
		out->created = in->created;
		out->last_used = in->last_used;
		out->pins = in->pins;
		out->owner = in->owner;
		out->fuel = in->fuel;
	}
	list->count = n;
	list->total_bytes = cl ? cl->total_bytes : 0;
	list->budget_bytes = cl ? cl->budget_bytes : 0;
	*ret_list = list;
out:
	wcl_reply_free(r);
	return e;
}

void wasmc_cache_list_free(wasmc_cache_list *list)
{
	free(list);
}

static wasmc_error *digest_not_found(wasmc_error *e, const uint8_t digest[32])
{
	if (wasmc_error_code(e) != WASMC_ERR_NOT_FOUND)
		return e;
	char hex[65];
	wcl_hex(digest, 32, hex);
	return wcl_error_prefix(e, hex);
}

wasmc_error *wasmc_cache_remove(wasmc_conn *conn, const uint8_t digest[32])
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__CacheRemove body = WASMC__V1__CACHE_REMOVE__INIT;
	if (digest == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cache_remove: NULL digest");
	body.digest.data = (uint8_t *)digest;
	body.digest.len = 32;
	req.body_case = WASMC__V1__REQUEST__BODY_CACHE_REMOVE;
	req.cache_remove = &body;
	wcl_reply *r;
	wasmc_error *e = admin_request(conn, &req, WASMC__V1__RESPONSE__BODY_OK, &r);
	if (e)
		return digest_not_found(e, digest);
	wcl_reply_free(r);
	return NULL;
}

wasmc_error *wasmc_cache_gc(wasmc_conn *conn, uint64_t budget_bytes,
                            wasmc_cache_gc_result *ret_result)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__CacheGc body = WASMC__V1__CACHE_GC__INIT;
	body.budget_bytes = budget_bytes;
	req.body_case = WASMC__V1__REQUEST__BODY_CACHE_GC;
	req.cache_gc = &body;
	wcl_reply *r;
	wasmc_error *e = admin_request(conn, &req, WASMC__V1__RESPONSE__BODY_CACHE_GC, &r);
	if (e)
		return e;
	const Wasmc__V1__CacheGcReply *g = r->msg->cache_gc;
	if (ret_result) {
		memset(ret_result, 0, sizeof *ret_result);
		if (g) {
			ret_result->removed = g->removed;
			ret_result->freed_bytes = g->freed_bytes;
			ret_result->total_bytes = g->total_bytes;
		}
	}
	wcl_reply_free(r);
	return NULL;
}

wasmc_error *wasmc_cache_pin(wasmc_conn *conn, const uint8_t digest[32], bool pin)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__CachePin body = WASMC__V1__CACHE_PIN__INIT;
	if (digest == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_cache_pin: NULL digest");
	body.digest.data = (uint8_t *)digest;
	body.digest.len = 32;
	body.unpin = !pin;
	req.body_case = WASMC__V1__REQUEST__BODY_CACHE_PIN;
	req.cache_pin = &body;
	wcl_reply *r;
	wasmc_error *e = admin_request(conn, &req, WASMC__V1__RESPONSE__BODY_OK, &r);
	if (e)
		return digest_not_found(e, digest);
	wcl_reply_free(r);
	return NULL;
}

wasmc_error *wasmc_cache_verify(wasmc_conn *conn,
                                wasmc_cache_verify_result **ret_result)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__CacheVerify body = WASMC__V1__CACHE_VERIFY__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_CACHE_VERIFY;
	req.cache_verify = &body;
	wcl_reply *r;
	wasmc_error *e = admin_request(conn, &req, WASMC__V1__RESPONSE__BODY_CACHE_VERIFY, &r);
	if (e)
		return e;
	const Wasmc__V1__CacheVerifyReply *v = r->msg->cache_verify;
	size_t n = v ? v->n_problems : 0, strings = 0;
	for (size_t i = 0; i < n; i++)
		strings += str_size(v->problems[i]);
	wasmc_cache_verify_result *res =
		calloc(1, sizeof *res + n * sizeof(const char *) + strings);
	if (res == NULL) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	res->problems = (const char **)(res + 1);
	char *pos = (char *)(res->problems + n);
	for (size_t i = 0; i < n; i++)
		res->problems[i] = str_put(&pos, v->problems[i]);
	res->nproblems = n;
	res->checked = v ? v->checked : 0;
	res->bad = v ? v->bad : 0;
	if (ret_result)
		*ret_result = res;
	else
		free(res);
out:
	wcl_reply_free(r);
	return e;
}

void wasmc_cache_verify_result_free(wasmc_cache_verify_result *result)
{
	free(result);
}

/* ---- processes ---- */

wasmc_error *wasmc_process_list_get(wasmc_conn *conn, wasmc_process_list **ret_list)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__ProcessList body = WASMC__V1__PROCESS_LIST__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_PROCESS_LIST;
	req.process_list = &body;
	wcl_reply *r;
	wasmc_error *e = admin_request(conn, &req, WASMC__V1__RESPONSE__BODY_PROCESS_LIST, &r);
	if (e)
		return e;
	const Wasmc__V1__ProcessListReply *pl = r->msg->process_list;
	size_t n = pl ? pl->n_processes : 0, strings = 0;
	for (size_t i = 0; i < n; i++)
		strings += str_size(pl->processes[i]->state);
	wasmc_process_list *list = calloc(1, sizeof *list + n * sizeof(wasmc_process) + strings);
	if (list == NULL) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	list->processes = (wasmc_process *)(list + 1);
	char *pos = (char *)(list->processes + n);
	for (size_t i = 0; i < n; i++) {
		const Wasmc__V1__Process *in = pl->processes[i];
		wasmc_process *out = &list->processes[i];
		if (in->instance.len == 16)
			memcpy(out->instance, in->instance.data, 16);
		wcl_hex(out->instance, 16, out->instance_hex);
		if (in->digest.len == 32)
			memcpy(out->digest, in->digest.data, 32);
		wcl_hex(out->digest, 32, out->digest_hex);
		out->pid = in->pid;
		out->owner = in->owner;
		out->memory_bytes = in->memory_bytes;
		out->cpu_ns = in->cpu_ns;
		out->state = str_put(&pos, in->state);
		out->started = in->started;
	}
	list->count = n;
	*ret_list = list;
out:
	wcl_reply_free(r);
	return e;
}

void wasmc_process_list_free(wasmc_process_list *list)
{
	free(list);
}

bool wasmc_instance_id_parse(const char *text, uint8_t out[16])
{
	return wcl_unhex(text, out, 16);
}

wasmc_error *wasmc_process_kill(wasmc_conn *conn, const uint8_t instance[16])
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__ProcessKill body = WASMC__V1__PROCESS_KILL__INIT;
	if (instance == NULL)
		return wcl_error(WASMC_ERR_BAD_ARGUMENT, "wasmc_process_kill: NULL instance id");
	body.instance.data = (uint8_t *)instance;
	body.instance.len = 16;
	req.body_case = WASMC__V1__REQUEST__BODY_PROCESS_KILL;
	req.process_kill = &body;
	wcl_reply *r;
	wasmc_error *e = admin_request(conn, &req, WASMC__V1__RESPONSE__BODY_OK, &r);
	if (e) {
		if (wasmc_error_code(e) == WASMC_ERR_NOT_FOUND) {
			char hex[33];
			wcl_hex(instance, 16, hex);
			e = wcl_error_prefix(e, hex);
		}
		return e;
	}
	wcl_reply_free(r);
	return NULL;
}

/* ---- status ---- */

wasmc_error *wasmc_status_get(wasmc_conn *conn, wasmc_status **ret_status)
{
	Wasmc__V1__Request req = WASMC__V1__REQUEST__INIT;
	Wasmc__V1__Status body = WASMC__V1__STATUS__INIT;
	req.body_case = WASMC__V1__REQUEST__BODY_STATUS;
	req.status = &body;
	wcl_reply *r;
	wasmc_error *e = admin_request(conn, &req, WASMC__V1__RESPONSE__BODY_STATUS, &r);
	if (e)
		return e;
	const Wasmc__V1__StatusReply *s = r->msg->status;
	if (s == NULL) {
		e = wcl_error(WASMC_ERR_PROTOCOL, "the daemon sent an empty status");
		goto out;
	}
	wasmc_status *st = calloc(1, sizeof *st + str_size(s->version) + str_size(s->fingerprint));
	if (st == NULL) {
		e = wcl_error(WASMC_ERR_NO_MEMORY, "out of memory");
		goto out;
	}
	char *pos = (char *)(st + 1);
	st->version = str_put(&pos, s->version);
	st->fingerprint = str_put(&pos, s->fingerprint);
	st->uptime_seconds = s->uptime_seconds;
	st->instances = s->instances;
	st->idle_workers = s->idle_workers;
	st->cache_entries = s->cache_entries;
	st->cache_bytes = s->cache_bytes;
	st->requests = s->requests;
	st->compiles_running = s->compiles_running;
	st->connections = s->connections;
	st->compiles_total = s->compiles_total;
	st->cache_hits = s->cache_hits;
	st->workers_died = s->workers_died;
	*ret_status = st;
out:
	wcl_reply_free(r);
	return e;
}

void wasmc_status_free(wasmc_status *status)
{
	free(status);
}
