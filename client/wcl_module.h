/*
 * wcl_module.h - the module object behind wasmc_module.
 */
#ifndef WCL_MODULE_H
#define WCL_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include <wasmc/module.h>

#include "wcl_conn.h"
#include "wcl_proto.h"

#define WCL_HANDLE_LEN 16

struct wcl_component;

struct wasmc_module {
	wasmc_conn *conn;               /* one reference */
	uint8_t handle[WCL_HANDLE_LEN];
	uint8_t digest[32];
	char digest_hex[65];
	wcl_externs externs;
	bool cached;
	wasmc_tier tier;
	double compile_seconds;
	struct wcl_component *comp;     /* a component's types and items, or NULL */
};

/* Sends Drop for a 16-byte handle, ignoring the outcome. */
void wcl_drop_handle(wasmc_conn *conn, const uint8_t handle[WCL_HANDLE_LEN]);

#endif
