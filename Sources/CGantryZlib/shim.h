#ifndef CGANTRY_ZLIB_SHIM_H
#define CGANTRY_ZLIB_SHIM_H
#include <zlib.h>

/* inflateInit2 is a macro in zlib.h; Swift cannot see macros that take arguments. */
static inline int cgantry_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
#endif
