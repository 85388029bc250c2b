/*
 * wasmc/visibility.h - WASMC_API marks the public functions of libwasmc.
 *
 * libwasmc is compiled with -fvisibility=hidden: only functions declared
 * with WASMC_API are exported from libwasmc.so. Applications never need to
 * define anything; including any wasmc header is enough.
 */
#ifndef WASMC_VISIBILITY_H
#define WASMC_VISIBILITY_H

#if defined(__GNUC__) || defined(__clang__)
#define WASMC_API __attribute__((visibility("default")))
#else
#define WASMC_API
#endif

#endif
