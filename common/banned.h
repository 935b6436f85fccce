/*
 * banned.h - functions this project never calls (STYLE.md "Memory and errors").
 * Force-included into every translation unit by the build, after which any use
 * of a banned name fails to compile. Use strbuf, snprintf, strtok_r, gmtime_r.
 */
#ifndef SPOT_BANNED_H
#define SPOT_BANNED_H

/* System headers declare these names; include them before poisoning. */
#include <string.h>
#include <stdio.h>
#include <time.h>

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef gmtime
#define gmtime(t) BANNED(gmtime)
#undef localtime
#define localtime(t) BANNED(localtime)

#endif
