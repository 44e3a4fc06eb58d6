#ifndef CGANTRY_PQ_SHIM_H
#define CGANTRY_PQ_SHIM_H
#include <libpq-fe.h>
#endif
