/*
 * wasmc/wasmc.h - libwasmc, the client library of the wasmc daemon: run
 * WebAssembly modules in sandboxed worker processes of wasmcd, with no
 * compiler and no guest code in the calling process.
 *
 *   wasmc_conn *conn;           wasmc_conn_open(NULL, NULL, &conn)
 *   wasmc_module *m;            wasmc_module_load_file(conn, "x.wasm", 0, &m)
 *   wasmc_imports *imp;         wasmc_imports_new(), _define_func(...)
 *   wasmc_instance *inst;       wasmc_instance_new(m, imp, &limits, &inst)
 *   wasmc_val args[2] = {wasmc_val_i32(1), wasmc_val_i32(2)}, res[1];
 *   wasmc_error *e = wasmc_instance_call(inst, "add", args, 2, res, 1);
 *   ... wasmc_error_outcome(e): WASMC_OK, WASMC_TRAP or WASMC_ERROR
 *   wasmc_error_free(e); wasmc_instance_free(inst); wasmc_imports_free(imp);
 *   wasmc_module_free(m); wasmc_conn_close(conn);
 *
 * Components (wasmc/component.h): wasmc_linker_define_func(...),
 * wasmc_component_instance_new(m, linker, &limits, &inst),
 * wasmc_component_call(inst, "greet", args, n, &results, &nresults) with
 * component values (wasmc/cval.h), types (wasmc/ctype.h), WAVE text
 * (wasmc/cwave.h).
 *
 * One header per concept; this one includes them all. Link with
 * `pkg-config --libs wasmc`.
 */
#ifndef WASMC_WASMC_H
#define WASMC_WASMC_H

#include <wasmc/visibility.h>
#include <wasmc/error.h>
#include <wasmc/val.h>
#include <wasmc/types.h>
#include <wasmc/conn.h>
#include <wasmc/module.h>
#include <wasmc/imports.h>
#include <wasmc/instance.h>
#include <wasmc/admin.h>
#include <wasmc/wave.h>
#include <wasmc/cval.h>
#include <wasmc/ctype.h>
#include <wasmc/component.h>
#include <wasmc/cwave.h>

#endif
